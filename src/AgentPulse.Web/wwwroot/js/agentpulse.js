// AgentPulse page glue: the page's lifecycle for the one connection, uploads with progress
// (HttpClient in WebAssembly reports no upload progress; XMLHttpRequest does), and what only the browser
// can do for the views: the tab's icon, browser notifications, what is in view, Escape, modal dialogs.
window.agentPulse = (() => {
  const lifecycle = {
    register(connection) {
      // Close with 1000 when the page goes away; pagehide also fires for the back-forward cache.
      window.addEventListener('pagehide', () => connection.invokeMethod('OnPageHide'));
      const wake = () => connection.invokeMethodAsync('OnPageActiveAsync');
      window.addEventListener('pageshow', e => { if (e.persisted) wake(); });
      window.addEventListener('online', wake);
      const hidden = () => document.visibilityState === 'hidden';
      document.addEventListener('visibilitychange', () => {
        connection.invokeMethod('OnVisibilityChanged', hidden());
        if (!hidden()) wake();
      });
      connection.invokeMethod('OnVisibilityChanged', hidden());
    },
  };

  const page = {
    // The tab's icon: idle, busy or offline (favicon*.svg).
    setIcon(href) {
      const link = document.getElementById('favicon');
      if (link && link.getAttribute('href') !== href) link.setAttribute('href', href);
    },
    notificationPermission() {
      return 'Notification' in window ? Notification.permission : 'unsupported';
    },
    async requestNotifications() {
      return 'Notification' in window ? await Notification.requestPermission() : 'unsupported';
    },
    // A browser notification, only when the person allowed them; the same tag replaces the last one.
    notify(title, body, tag) {
      if ('Notification' in window && Notification.permission === 'granted') {
        new Notification(title, { body, tag, icon: 'favicon.svg' });
      }
    },
    // Reports whether an element is on screen (at least 40 px of it), now and whenever that changes.
    observeInView(element, target, method) {
      const observer = new IntersectionObserver(entries => {
        for (const entry of entries) target.invokeMethodAsync(method, entry.isIntersecting);
      }, { rootMargin: '-40px 0px -40px 0px' });
      observer.observe(element);
      observers.set(element, observer);
    },
    unobserve(element) {
      const observer = observers.get(element);
      if (observer) { observer.disconnect(); observers.delete(element); }
    },
    // Escape anywhere (but in an open dialog, which Escape closes) calls OnEscape.
    onEscape(target) {
      const handler = e => {
        if (e.key === 'Escape' && !e.defaultPrevented && !document.querySelector('dialog[open]')) target.invokeMethodAsync('OnEscape');
      };
      document.addEventListener('keydown', handler);
      return { dispose: () => document.removeEventListener('keydown', handler) };
    },
  };
  const observers = new WeakMap();

  // A modal <dialog>: the rest of the page is inert, focus stays inside, Escape cancels; `close` tells .NET.
  const dialog = {
    open(element, target) {
      if (!element.open) element.showModal();
      element.onclose = () => target.invokeMethodAsync('OnDialogClosed', element.returnValue || '');
    },
    close(element, value) {
      if (element.open) element.close(value || '');
    },
  };

  let nextUploadId = 1;
  const uploaders = new WeakMap();

  // The signed-in session, when the server requires one: its token for requests the page makes itself.
  let session = null;
  const auth = {
    register(reference) { session = reference; },
    load(key) { return sessionStorage.getItem(key); },
    store(key, value) { if (value === null) sessionStorage.removeItem(key); else sessionStorage.setItem(key, value); },
    token() { return session ? session.invokeMethodAsync('GetAccessTokenAsync') : Promise.resolve(null); },
  };

  async function send(file, url, uploader) {
    const id = `u${nextUploadId++}`;
    const xhr = new XMLHttpRequest();
    let lastReport = 0;
    uploader.invokeMethodAsync('OnUploadQueued', id, file.name, file.size);
    xhr.upload.addEventListener('progress', e => {
      const now = performance.now();
      // The page renders at most ~10 times a second anyway.
      if (now - lastReport < 100 && e.loaded < e.total) return;
      lastReport = now;
      const sent = e.total > 0 ? Math.min(file.size, Math.round(e.loaded / e.total * file.size)) : 0;
      uploader.invokeMethodAsync('OnUploadProgress', id, sent);
    });
    xhr.addEventListener('load', () => uploader.invokeMethodAsync('OnUploadDone', id, xhr.status, xhr.responseText || ''));
    xhr.addEventListener('error', () => uploader.invokeMethodAsync('OnUploadDone', id, 0, ''));
    xhr.addEventListener('abort', () => uploader.invokeMethodAsync('OnUploadDone', id, 0, ''));
    const form = new FormData();
    form.append('files', file, file.name);
    xhr.open('POST', url);
    xhr.setRequestHeader('Accept', 'application/json');
    const token = await auth.token();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.send(form);
  }

  const uploads = {
    // Hooks a file input and a drop zone: every file picked or dropped is uploaded on its own request.
    attach(input, dropZone, url, uploader) {
      const onFiles = files => { for (const file of files) send(file, url, uploader); };
      const onChange = () => { onFiles(input.files); input.value = ''; };
      const onDragOver = e => { e.preventDefault(); dropZone.classList.add('dragging'); };
      const onDragLeave = e => { if (!dropZone.contains(e.relatedTarget)) dropZone.classList.remove('dragging'); };
      const onDrop = e => {
        e.preventDefault();
        dropZone.classList.remove('dragging');
        if (e.dataTransfer && e.dataTransfer.files.length) onFiles(e.dataTransfer.files);
      };
      input.addEventListener('change', onChange);
      dropZone.addEventListener('dragover', onDragOver);
      dropZone.addEventListener('dragleave', onDragLeave);
      dropZone.addEventListener('drop', onDrop);
      uploaders.set(dropZone, () => {
        input.removeEventListener('change', onChange);
        dropZone.removeEventListener('dragover', onDragOver);
        dropZone.removeEventListener('dragleave', onDragLeave);
        dropZone.removeEventListener('drop', onDrop);
      });
    },
    detach(dropZone) {
      const detach = uploaders.get(dropZone);
      if (detach) { detach(); uploaders.delete(dropZone); }
    },
  };

  return { lifecycle, page, dialog, uploads, auth };
})();
