using System.Text.Json;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
using AgentPulse.Server.Identity;
using AgentPulse.Server.Search;
using AgentPulse.Server.Storage;
using AgentPulse.Server.Tasks;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Documents;

/// <summary>A file that passed the upload checks, waiting in a temporary file.</summary>
internal sealed record StagedFile(string TempPath, string Name, long SizeBytes, string ContentType);

/// <summary>What a reindex did.</summary>
internal enum ReindexResult
{
    Started,
    NotFound,
    AlreadyIndexing,
}

/// <summary>
/// The indexer: keeps uploaded files under server-made names and indexes them as tasks
/// (extracting, chunking, indexing), then publishes <c>document.indexed</c>.
/// </summary>
internal sealed partial class DocumentAgent(
    DocumentStore documents,
    AgentDatabase database,
    SearchIndex index,
    TaskRunner runner,
    ITaskCheckpoints checkpoints,
    TextExtractor extractor,
    TimeProvider time,
    IOptions<DocumentOptions> options,
    ILogger<DocumentAgent> logger)
{
    public const string AgentName = "indexer";
    public const string Source = "/agents/indexer";

    private readonly DocumentLocks locks = new();

    /// <summary>Keeps the file and starts its indexing task; the document and its tasks belong to <paramref name="owner"/> (<c>null</c>: public).</summary>
    public async Task<DocumentRecord> AcceptAsync(StagedFile file, string? owner = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        var documentId = TaskRunner.NewId();
        var taskId = TaskRunner.NewId();
        var record = new DocumentRecord(documentId, file.Name, file.ContentType, file.SizeBytes, DocumentStatus.Indexing, 0, taskId, time.GetUtcNow(), null, null, owner);
        File.Move(file.TempPath, Path.Combine(database.DocumentsPath, DocumentStore.FileNameOf(record)));
        // Listed from the insert on, so a delete could come before the task is known to the runner.
        using (await locks.AcquireAsync(documentId))
        {
            documents.Insert(record);
            await StartTaskAsync(record, taskId);
        }
        return record;
    }

    /// <summary>Indexes a document again, unless it is being indexed now; another user's is not found.</summary>
    public async Task<(ReindexResult Result, DocumentRecord? Document)> ReindexAsync(string documentId, Viewer viewer)
    {
        using (await locks.AcquireAsync(documentId))
        {
            if (documents.Get(documentId, viewer) is not { } document)
            {
                return (ReindexResult.NotFound, null);
            }
            var taskId = TaskRunner.NewId();
            if (!documents.TryMarkIndexing(documentId, taskId))
            {
                return (ReindexResult.AlreadyIndexing, document);
            }
            var record = document with { Status = DocumentStatus.Indexing, TaskId = taskId, ChunkCount = 0, Error = null };
            await StartTaskAsync(record, taskId);
            return (ReindexResult.Started, record);
        }
    }

    /// <summary>
    /// Removes a document: cancels its indexing and waits for that task to end (so no event of it
    /// follows), then takes it out of the index and deletes its file.
    /// </summary>
    /// <returns><c>false</c> when there is no such document that <paramref name="viewer"/> may see (or another delete removed it first).</returns>
    public async Task<bool> DeleteAsync(string documentId, Viewer viewer)
    {
        using (await locks.AcquireAsync(documentId))
        {
            if (documents.Get(documentId, viewer) is not { } document)
            {
                return false;
            }
            // Its last task may be past indexing and still publishing, whatever the status says.
            await runner.CancelAsync(document.TaskId);
            var ended = runner.WaitForEndAsync(document.TaskId);
            if (!ended.IsCompleted)
            {
                LogWaitingForTask(logger, documentId, document.TaskId);
                await ended;
            }
            index.DeleteChunks(documentId);
            index.Commit();
            documents.Delete(documentId);
            File.Delete(Path.Combine(database.DocumentsPath, DocumentStore.FileNameOf(document)));
            return true;
        }
    }

    private Task StartTaskAsync(DocumentRecord document, string taskId)
    {
        var definition = new TaskDefinition(taskId, TaskKinds.DocumentIndex, $"Indexing {document.Name}", AgentName, Source, document.DocumentId, TaskLane.Documents, document.Owner);
        return runner.StartAsync(
            definition,
            (context, cancellationToken) => IndexAsync(document, context, cancellationToken),
            error =>
            {
                // All or nothing: a failed document leaves no chunk behind.
                index.DeleteChunks(document.DocumentId);
                index.Commit();
                documents.MarkFailed(document.DocumentId, error);
                return Task.CompletedTask;
            });
    }

    private async Task<TaskOutcome> IndexAsync(DocumentRecord document, TaskContext context, CancellationToken cancellationToken)
    {
        var path = Path.Combine(database.DocumentsPath, DocumentStore.FileNameOf(document));
        if (!File.Exists(path))
        {
            throw new TaskFailureException("missing", $"The file of {document.Name} is no longer on the server; upload it again.");
        }

        // Counted from before the first report, which is where a test holds the task to let time pass.
        using var timeLimit = new WorkTimeLimit(options.Value.MaxExtractionTime, time, cancellationToken);
        await context.ReportAsync("extracting", 0, $"reading {document.Name}");
        string text;
        try
        {
            var pdf = document.ContentType == DocumentTypes.Pdf;
            text = await extractor.ExtractAsync(
                path,
                document.ContentType,
                document.Name,
                (part, parts) => context.ReportAsync("extracting", 0.3 * part / parts, parts == 1 ? $"read {document.Name}" : $"{(pdf ? "page" : "part")} {part} of {parts}", part, parts),
                timeLimit.Token);
        }
        catch (OperationCanceledException ex) when (timeLimit.HasExpired(ex))
        {
            throw new TaskFailureException("timeout", $"Reading {document.Name} took longer than {Describe.Duration(timeLimit.Limit)}, the most AgentPulse spends on one document.");
        }

        await context.ReportAsync("chunking", 0.3, "cutting the text into passages");
        var chunks = Chunker.Split(text, options.Value.ChunkChars);
        if (chunks.Count == 0)
        {
            throw new TaskFailureException("no_text", $"{document.Name} has no text to index{(document.ContentType == DocumentTypes.Pdf ? " (it may hold only scanned images)" : "")}.");
        }
        await context.ReportAsync("chunking", 0.4, $"{chunks.Count} passages", chunks.Count, chunks.Count);

        // Replaces any earlier version; nothing is durable until the commit below.
        index.DeleteChunks(document.DocumentId);
        for (var i = 0; i < chunks.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            index.AddChunk(document.DocumentId, document.Name, i, chunks[i]);
            await context.ReportAsync("indexing", 0.4 + (0.6 * (i + 1) / chunks.Count), $"chunk {i + 1} of {chunks.Count}", i + 1, chunks.Count);
        }
        cancellationToken.ThrowIfCancellationRequested();
        index.Commit();
        documents.MarkIndexed(document.DocumentId, chunks.Count, time.GetUtcNow());

        var result = JsonSerializer.SerializeToElement(new DocumentTaskResult(document.DocumentId, chunks.Count), AgentPulseJsonContext.Default.DocumentTaskResult);
        return new TaskOutcome(result, async () =>
        {
            // Past the point where cancelling could stop it: the work is done and task.completed is out.
            await checkpoints.ReachedAsync(new TaskCheckpoint(context.TaskId, TaskKinds.DocumentIndex, "publishing", null, null), CancellationToken.None);
            await context.PublishAsync(
                new DocumentIndexed(document.DocumentId, document.Name, document.ContentType, document.SizeBytes, chunks.Count, context.TaskId),
                $"documents/{document.DocumentId}");
        });
    }
}
