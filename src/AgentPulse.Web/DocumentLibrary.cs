using AgentPulse.Web.Internal;

namespace AgentPulse.Web;

/// <summary>
/// The documents on the server (<c>GET /api/documents</c>), kept current: reloaded when a document is indexed,
/// an indexing task fails, the connection resyncs (documents may have changed meanwhile), and whenever a view
/// asks (an upload answered, a delete). One for the app, shared by the library view, the uploader and the
/// document toasts; views listen to <see cref="Changed"/>.
/// </summary>
/// <remarks>
/// Loads run on the context of whoever starts them (in the browser there is one thread); one runs at a time,
/// and requests during it are folded into one more load.
/// </remarks>
public sealed class DocumentLibrary : IDisposable
{
    private readonly AgentPulseApi api;
    private readonly Lock gate = new();
    private ClientListener? listener;
    private Task? reload;
    private bool reloadAgain;

    /// <summary>Makes an empty library; <see cref="ReloadAsync"/> fills it, <see cref="Attach"/> keeps it current.</summary>
    public DocumentLibrary(AgentPulseApi api)
    {
        ArgumentNullException.ThrowIfNull(api);
        this.api = api;
    }

    /// <summary>The documents, the newest first, as last loaded.</summary>
    public IReadOnlyList<DocumentRecord> Documents { get; private set; } = [];

    /// <summary>Why the last load failed, fit to show a person; <c>null</c> when it worked.</summary>
    public string? LoadError { get; private set; }

    /// <summary>Raised after every load.</summary>
    public event Action? Changed;

    /// <summary>The document whose latest indexing task is <paramref name="taskId"/>; <c>null</c> when none (or not loaded yet).</summary>
    public DocumentRecord? FindByTask(string taskId) => Documents.FirstOrDefault(d => d.TaskId == taskId);

    /// <summary>Reloads when <paramref name="source"/> says documents may have changed.</summary>
    public void Attach(IAgentPulseClient source)
    {
        listener = ClientListener.Attach(listener, nameof(DocumentLibrary), source, OnResynced, client =>
        [
            client.On<DocumentIndexed>((indexed, envelope) => _ = ReloadAsync()),
            client.On<TaskFailed>((failed, envelope) =>
            {
                if (FindByTask(failed.TaskId) is not null)
                {
                    _ = ReloadAsync();
                }
            }),
        ]);
    }

    /// <summary>Loads the list; a call while a load runs makes one more load after it, and completes with that one.</summary>
    public Task ReloadAsync()
    {
        TaskCompletionSource done;
        lock (gate)
        {
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

    /// <summary>Deletes a document (and cancels its indexing), then reloads.</summary>
    /// <exception cref="ApiException">The server refused, or could not be reached (the library is reloaded anyway).</exception>
    public async Task DeleteAsync(DocumentRecord document)
    {
        ArgumentNullException.ThrowIfNull(document);
        try
        {
            await api.DeleteDocumentAsync(document.DocumentId);
        }
        finally
        {
            await ReloadAsync();
        }
    }

    /// <summary>Stops listening to the client.</summary>
    public void Dispose()
    {
        listener?.Dispose();
        listener = null;
    }

    private void OnResynced(ResyncEventArgs args) => _ = ReloadAsync();

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
                    Documents = await api.GetDocumentsAsync();
                    LoadError = null;
                }
                catch (ApiException ex)
                {
                    LoadError = $"The library could not be loaded: {ex.Message}";
                }
                Changed?.Invoke();
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
}
