// AgentPulse page glue: the page's lifecycle for the one connection, and uploads with progress
// (HttpClient in WebAssembly reports no upload progress; XMLHttpRequest does).
window.agentPulse = (() => {
  const lifecycle = {
    register(connection) {
      // Close with 1000 when the page goes away; pagehide also fires for the back-forward cache.
      window.addEventListener('pagehide', () => connection.invokeMethod('OnPageHide'));
      const wake = () => connection.invokeMethodAsync('OnPageActiveAsync');
      window.addEventListener('pageshow', e => { if (e.persisted) wake(); });
      window.addEventListener('online', wake);
      document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') wake(); });
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

  return { lifecycle, uploads, auth };
})();
