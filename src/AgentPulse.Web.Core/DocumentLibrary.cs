using System.Globalization;
using System.Text.Json;
using AgentPulse.Web.Internal;
using Microsoft.JSInterop;

namespace AgentPulse.Web;

/// <summary>
/// The page's documents: the server's list (<c>GET /api/documents</c>) and the files this page is uploading,
/// one list for every view (the documents card, the search results, the 3D view, the notifications).
/// </summary>
/// <remarks>
/// <para><b>Loads.</b> The list is loaded when the connection (re)starts from a snapshot (the first connect
/// included: one fetch per page load), when the connection cannot be made before any load (so the page
/// says why), when a document is indexed or its indexing fails, when an upload is answered, and after a
/// delete or a re-index. One load runs at a time; requests during it fold into one more.</para>
/// <para><b>Deletes</b> show at once: a deleted document leaves <see cref="Documents"/> (and so every view)
/// before the server answers, and comes back, with the reason, if the server refuses.</para>
/// <para><b>Names.</b> Two documents may have the same name; <see cref="DisplayName(string, string)"/> tells
/// them apart by the order of their upload: <c>report.pdf</c>, <c>report.pdf (2)</c>.</para>
/// <para>Everything runs on the renderer's context in the browser (one thread); a lock guards the folding of loads.</para>
/// </remarks>
public sealed class DocumentLibrary : IDisposable
{
    private const int MaxUploadsShown = 20;

    private readonly AgentPulseApi api;
    private readonly Lock gate = new();
    private readonly List<UploadItem> uploads = [];
    private readonly HashSet<string> deleted = new(StringComparer.Ordinal);
    private IReadOnlyList<DocumentRecord> loaded = [];
    private Dictionary<string, string> displayNames = new(StringComparer.Ordinal);
    private ClientListener? listener;
    private IAgentPulseClient? client;
    private DotNetObjectReference<DocumentLibrary>? uploadTarget;
    private Task? reload;
    private bool reloadAgain;
    private bool loadStarted;

    /// <summary>Makes an empty library; <see cref="Attach"/> loads it and keeps it current.</summary>
    public DocumentLibrary(AgentPulseApi api)
    {
        ArgumentNullException.ThrowIfNull(api);
        this.api = api;
    }

    /// <summary>The documents, the newest first, as last loaded, without those being deleted.</summary>
    public IReadOnlyList<DocumentRecord> Documents { get; private set; } = [];

    /// <summary>Files this page uploads that the list does not show yet: being sent, refused, or taken and not listed yet; oldest first.</summary>
    public IReadOnlyList<UploadItem> Uploads => [.. uploads];

    /// <summary>Whether a load has completed (until then views say the list is loading).</summary>
    public bool Loaded { get; private set; }

    /// <summary>Why the last load failed, fit to show a person; <c>null</c> when it worked.</summary>
    public string? LoadError { get; private set; }

    /// <summary>Raised after every change: a load, an upload's step, a delete.</summary>
    public event Action? Changed;

    /// <summary>Raised when the server refuses an upload (413, 415, unreachable), after <see cref="Changed"/>.</summary>
    public event Action<UploadItem>? UploadRefused;

    /// <summary>
    /// The object the page's upload script reports to (<c>agentPulse.uploads.attach</c>): the library itself, for
    /// the app's lifetime, so an upload in flight still lands when the view that started it has gone.
    /// </summary>
    public DotNetObjectReference<DocumentLibrary> UploadTarget => uploadTarget ??= DotNetObjectReference.Create(this);

    /// <summary>The document whose latest indexing task is <paramref name="taskId"/>; <c>null</c> when none (or not loaded yet).</summary>
    public DocumentRecord? FindByTask(string taskId) => Documents.FirstOrDefault(d => d.TaskId == taskId);

    /// <summary>Whether this page deleted the document (views drop it even where the server's answer said otherwise).</summary>
    public bool WasDeleted(string documentId) => deleted.Contains(documentId);

    /// <summary>The name to show: the document's name, with <c>(2)</c>, <c>(3)</c>… for later uploads of the same name.</summary>
    public string DisplayName(string documentId, string name) => displayNames.GetValueOrDefault(documentId) ?? name;

    /// <inheritdoc cref="DisplayName(string, string)"/>
    public string DisplayName(DocumentRecord document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return DisplayName(document.DocumentId, document.Name);
    }

    /// <summary>Keeps the list current from <paramref name="source"/>: loads on every resync, and when the first connect fails.</summary>
    public void Attach(IAgentPulseClient source)
    {
        listener = ClientListener.Attach(listener, nameof(DocumentLibrary), source, OnResynced, c =>
        [
            c.On<DocumentIndexed>((indexed, envelope) => _ = ReloadAsync()),
            c.On<TaskFailed>((failed, envelope) =>
            {
                if (FindByTask(failed.TaskId) is not null || uploads.Any(u => u.TaskId == failed.TaskId))
                {
                    _ = ReloadAsync();
                }
            }),
        ]);
        client = source;
        source.StateChanged += OnStateChanged;
    }

    /// <summary>Loads the list; a call while a load runs makes one more load after it, and completes with that one.</summary>
    public Task ReloadAsync()
    {
        TaskCompletionSource done;
        lock (gate)
        {
            loadStarted = true;
            if (reload is { IsCompleted: false } running)
            {
                reloadAgain = true;
                return running;
            }
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            reload = done.Task;
        }
        _ = LoadLoopAsync(done);
        return done.Task;
    }

    /// <summary>Deletes a document (and cancels its indexing): every view drops it at once; the server is asked, then the list reloaded.</summary>
    /// <exception cref="ApiException">The server refused, or could not be reached: the document is back in the list.</exception>
    public async Task DeleteAsync(DocumentRecord document)
    {
        ArgumentNullException.ThrowIfNull(document);
        deleted.Add(document.DocumentId);
        Publish();
        try
        {
            await api.DeleteDocumentAsync(document.DocumentId);
        }
        catch (ApiException ex) when (ex.StatusCode != 404)
        {
            // Refused (404 means it is gone already, which is what was asked).
            deleted.Remove(document.DocumentId);
            Publish();
            _ = ReloadAsync();
            throw;
        }
        await ReloadAsync();
    }

    /// <summary>Indexes a document again (after a failure or a cancel); its new task reports through the events.</summary>
    /// <exception cref="ApiException">The server refused, or could not be reached.</exception>
    public async Task ReindexAsync(DocumentRecord document)
    {
        ArgumentNullException.ThrowIfNull(document);
        await api.ReindexDocumentAsync(document.DocumentId);
        await ReloadAsync();
    }

    /// <summary>Takes a refused upload's row away.</summary>
    public void DismissUpload(string uploadId)
    {
        if (uploads.RemoveAll(u => u.Id == uploadId) > 0)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>A file was picked or dropped and its upload begins.</summary>
    [JSInvokable]
    public void OnUploadQueued(string id, string name, long size)
    {
        uploads.Add(new UploadItem(id, name, size));
        while (uploads.Count > MaxUploadsShown && uploads.FindIndex(u => u.Phase != UploadPhase.Uploading) is var done and >= 0)
        {
            uploads.RemoveAt(done);
        }
        Changed?.Invoke();
    }

    /// <summary>Bytes of a file have been sent.</summary>
    [JSInvokable]
    public void OnUploadProgress(string id, long sent)
    {
        if (uploads.Find(u => u.Id == id) is { Phase: UploadPhase.Uploading } upload)
        {
            upload.Sent = Math.Clamp(sent, 0, upload.Size);
            Changed?.Invoke();
        }
    }

    /// <summary>The server answered an upload (<paramref name="status"/> 0: it could not be reached).</summary>
    [JSInvokable]
    public Task OnUploadDone(string id, int status, string body)
    {
        if (uploads.Find(u => u.Id == id) is not { } upload)
        {
            return Task.CompletedTask;
        }
        if (status == 202 && AcceptedOf(body) is { } accepted)
        {
            upload.Sent = upload.Size;
            upload.Phase = UploadPhase.Accepted;
            upload.DocumentId = accepted.DocumentId;
            upload.TaskId = accepted.TaskId;
            Changed?.Invoke();
            return ReloadAsync();
        }
        upload.Phase = UploadPhase.Refused;
        upload.Error = status == 0 ? "The server could not be reached." : ApiException.MessageOf(status, body);
        Changed?.Invoke();
        UploadRefused?.Invoke(upload);
        return Task.CompletedTask;
    }

    /// <summary>Stops listening to the client.</summary>
    public void Dispose()
    {
        listener?.Dispose();
        listener = null;
        if (client is not null)
        {
            client.StateChanged -= OnStateChanged;
        }
        uploadTarget?.Dispose();
    }

    private void OnResynced(ResyncEventArgs args) => _ = ReloadAsync();

    /// <summary>Before any load, a first connect that fails still loads: the page then shows the documents, or why it cannot.</summary>
    private void OnStateChanged(ConnectionStatus status)
    {
        bool first;
        lock (gate)
        {
            first = !loadStarted && status.State != ConnectionState.Connected && status.Reason is not null;
        }
        if (first)
        {
            _ = ReloadAsync();
        }
    }

    private async Task LoadLoopAsync(TaskCompletionSource done)
    {
        try
        {
            while (true)
            {
                lock (gate)
                {
                    reloadAgain = false;
                }
                try
                {
                    loaded = await api.GetDocumentsAsync();
                    LoadError = null;
                }
                catch (ApiException ex)
                {
                    LoadError = $"The library could not be loaded: {ex.Message}";
                }
                Loaded = true;
                Publish();
                lock (gate)
                {
                    if (!reloadAgain)
                    {
                        // Under the lock: a request from now on starts a new load.
                        done.SetResult();
                        return;
                    }
                }
            }
        }
        catch (Exception ex)
        {
            done.TrySetException(ex);
        }
    }

    /// <summary>Makes <see cref="Documents"/> and the display names from the last load, the deletes and the uploads; raises <see cref="Changed"/>.</summary>
    private void Publish()
    {
        var documents = loaded.Where(d => !deleted.Contains(d.DocumentId)).ToList();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in documents.GroupBy(d => d.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var n = 0;
            foreach (var document in group.OrderBy(d => d.CreatedAt).ThenBy(d => d.DocumentId, StringComparer.Ordinal))
            {
                if (++n > 1)
                {
                    names[document.DocumentId] = string.Create(CultureInfo.InvariantCulture, $"{document.Name} ({n})");
                }
            }
        }
        // An upload the list now shows has done its job.
        uploads.RemoveAll(u => u.DocumentId is { } id && (deleted.Contains(id) || documents.Any(d => d.DocumentId == id)));
        Documents = documents;
        displayNames = names;
        Changed?.Invoke();
    }

    /// <summary>The first document of an upload's 202 answer; <c>null</c> when the body is not one.</summary>
    private static AcceptedDocument? AcceptedOf(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, AgentPulseJsonContext.Default.DocumentsAccepted)?.Documents is [var first, ..] ? first : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The phase of one file the page uploads.</summary>
public enum UploadPhase
{
    /// <summary>The bytes are being sent.</summary>
    Uploading,

    /// <summary>The server refused it (too large, a type it cannot read, unreachable).</summary>
    Refused,

    /// <summary>The server took it; an indexing task runs, and the list will show it.</summary>
    Accepted,
}

/// <summary>One file the page uploads.</summary>
public sealed class UploadItem(string id, string name, long size)
{
    /// <summary>The page's id of the upload.</summary>
    public string Id { get; } = id;

    /// <summary>The file's name.</summary>
    public string Name { get; } = name;

    /// <summary>The file's size.</summary>
    public long Size { get; } = size;

    /// <summary>The bytes sent so far.</summary>
    public long Sent { get; internal set; }

    /// <summary>Where it is.</summary>
    public UploadPhase Phase { get; internal set; } = UploadPhase.Uploading;

    /// <summary>Why the server refused it; <c>null</c> unless <see cref="UploadPhase.Refused"/>.</summary>
    public string? Error { get; internal set; }

    /// <summary>Its document, once the server took it.</summary>
    public string? DocumentId { get; internal set; }

    /// <summary>Its indexing task, once the server took it.</summary>
    public string? TaskId { get; internal set; }
}
