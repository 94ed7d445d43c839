using System.Text.Json;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace AgentPulse.Web.Components;

/// <summary>The phase of one file the page uploads.</summary>
public enum UploadPhase
{
    /// <summary>The bytes are being sent.</summary>
    Uploading,

    /// <summary>The server refused it (too large, a type it cannot read, unreachable).</summary>
    Refused,

    /// <summary>The server took it; an indexing task runs (see <see cref="AgentActivity"/>).</summary>
    Accepted,
}

/// <summary>
/// Uploads files picked or dropped, one request each, and shows per file the bytes sent, then the
/// indexing task's progress from the events, then how it ended. A refused upload gets an error toast;
/// how indexing ends is told by <see cref="DocumentToasts"/>, the library is <see cref="LibraryList"/>.
/// </summary>
public sealed partial class DocumentUploader
{
    private const int MaxUploadsShown = 12;

    private readonly List<UploadItem> uploads = [];
    private ElementReference dropZone;
    private ElementReference fileInput;
    private DotNetObjectReference<DocumentUploader>? reference;
    private RenderCoalescer? coalescer;
    private bool attached;
    private bool disposed;

    protected override void OnInitialized()
    {
        coalescer = new RenderCoalescer(Time, RenderCoalescer.DefaultInterval, () => _ = InvokeAsync(StateHasChanged));
        Activity.Changed += coalescer.Request;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && !disposed)
        {
            reference = DotNetObjectReference.Create(this);
            await JS.InvokeVoidAsync("agentPulse.uploads.attach", fileInput, dropZone, Navigation.ToAbsoluteUri("api/documents").ToString(), reference);
            attached = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        disposed = true;
        if (coalescer is not null)
        {
            Activity.Changed -= coalescer.Request;
            coalescer.Dispose();
        }
        if (attached)
        {
            try
            {
                await JS.InvokeVoidAsync("agentPulse.uploads.detach", dropZone);
            }
            catch (JSDisconnectedException)
            {
            }
        }
        reference?.Dispose();
    }

    /// <summary>A file was picked or dropped and its upload begins.</summary>
    [JSInvokable]
    public Task OnUploadQueued(string id, string name, long size) => InvokeAsync(() =>
    {
        uploads.Add(new UploadItem(id, name, size));
        while (uploads.Count > MaxUploadsShown && uploads.FindIndex(IsOver) is var over and >= 0)
        {
            uploads.RemoveAt(over);
        }
        StateHasChanged();
    });

    /// <summary>Bytes of a file have been sent.</summary>
    [JSInvokable]
    public Task OnUploadProgress(string id, long sent) => InvokeAsync(() =>
    {
        if (Find(id) is { Phase: UploadPhase.Uploading } upload)
        {
            upload.Sent = Math.Clamp(sent, 0, upload.Size);
            coalescer?.Request();
        }
    });

    /// <summary>The server answered an upload (<paramref name="status"/> 0: it could not be reached).</summary>
    [JSInvokable]
    public Task OnUploadDone(string id, int status, string body) => InvokeAsync(async () =>
    {
        if (Find(id) is not { } upload)
        {
            return;
        }
        if (status == 202 && AcceptedOf(body) is { } accepted)
        {
            upload.Sent = upload.Size;
            upload.Phase = UploadPhase.Accepted;
            upload.DocumentId = accepted.DocumentId;
            upload.TaskId = accepted.TaskId;
        }
        else
        {
            upload.Phase = UploadPhase.Refused;
            upload.Error = status == 0 ? "The server could not be reached." : ApiException.MessageOf(status, body);
            Toasts.Show(ToastLevel.Error, $"Could not upload {upload.Name}: {upload.Error}");
        }
        StateHasChanged();
        await Library.ReloadAsync();
    });

    internal UploadView ViewOf(UploadItem upload)
    {
        switch (upload.Phase)
        {
            case UploadPhase.Uploading:
                var fraction = upload.Size == 0 ? 0 : (double)upload.Sent / upload.Size;
                var sent = $"{Format.Bytes(upload.Sent)} of {Format.Bytes(upload.Size)}";
                return new UploadView("active", fraction, $"Uploading {upload.Name}", sent, $"Uploading · {sent}");
            case UploadPhase.Refused:
                return new UploadView("failed", null, null, null, $"Not uploaded: {upload.Error}");
        }
        if (upload.Indexed)
        {
            return new UploadView("done", null, null, null, $"Indexed · {Format.Chunks(upload.ChunkCount)} · searchable");
        }
        if (upload.Failure is { } failure)
        {
            return new UploadView("failed", null, null, null, $"Failed: {failure.Message}");
        }
        var task = upload.TaskId is null ? null : Activity.Find(upload.TaskId);
        return task?.Status switch
        {
            AgentTaskStatus.Completed => new UploadView("done", null, null, null, "Indexed · searchable"),
            AgentTaskStatus.Failed => new UploadView("failed", null, null, null, $"Failed: {task.Error?.Message ?? "no reason given"}"),
            AgentTaskStatus.Queued => new UploadView("active", null, null, null, "Uploaded · waiting for a free agent"),
            AgentTaskStatus.Running => new UploadView(
                "active",
                task.Progress,
                $"Indexing {upload.Name}",
                null,
                string.IsNullOrEmpty(task.Message) ? $"Indexing · {task.Stage ?? "starting"}" : $"Indexing · {task.Stage} · {task.Message}"),
            _ => new UploadView("active", null, null, null, "Uploaded · waiting for the indexer"),
        };
    }

    private static bool IsOver(UploadItem upload) =>
        upload.Phase == UploadPhase.Refused || upload.Indexed || upload.Failure is not null;

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

    private UploadItem? Find(string id) => uploads.Find(u => u.Id == id);

    private void ClearFinished() => uploads.RemoveAll(IsOver);

    /// <summary>An upload's document is indexed: its row says so, with the chunks.</summary>
    private void OnDocumentIndexed(CloudEvent cloudEvent)
    {
        if (cloudEvent.GetData<DocumentIndexed>() is { } indexed
            && uploads.Find(u => u.DocumentId == indexed.DocumentId || u.TaskId == indexed.TaskId) is { } upload)
        {
            upload.Indexed = true;
            upload.ChunkCount = indexed.ChunkCount;
        }
    }

    /// <summary>An upload's indexing failed: its row says why.</summary>
    private void OnTaskFailed(CloudEvent cloudEvent)
    {
        if (cloudEvent.GetData<TaskFailed>() is { } failed && uploads.Find(u => u.TaskId == failed.TaskId) is { } upload)
        {
            upload.Failure = failed.Error;
        }
    }
}

/// <summary>One file the page uploads.</summary>
internal sealed class UploadItem(string id, string name, long size)
{
    public string Id { get; } = id;

    public string Name { get; } = name;

    public long Size { get; } = size;

    public long Sent { get; set; }

    public UploadPhase Phase { get; set; } = UploadPhase.Uploading;

    public string? Error { get; set; }

    public string? DocumentId { get; set; }

    public string? TaskId { get; set; }

    public bool Indexed { get; set; }

    public int ChunkCount { get; set; }

    public TaskError? Failure { get; set; }
}

/// <summary>How an upload shows: its tone, its bar (if any) and its line of text.</summary>
internal sealed record UploadView(string Tone, double? Progress, string? ProgressLabel, string? ProgressText, string Text);
