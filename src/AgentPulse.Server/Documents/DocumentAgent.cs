using System.Text.Json;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
using AgentPulse.Server.Search;
using AgentPulse.Server.Storage;
using AgentPulse.Server.Tasks;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Documents;

/// <summary>A file that passed the upload checks, waiting in a temporary file.</summary>
internal sealed record StagedFile(string TempPath, string Name, long SizeBytes, string ContentType);

/// <summary>
/// The indexer: keeps uploaded files under server-made names and indexes them as tasks
/// (extracting, chunking, indexing), then publishes <c>document.indexed</c>.
/// </summary>
internal sealed class DocumentAgent(
    DocumentStore documents,
    AgentDatabase database,
    SearchIndex index,
    TaskRunner runner,
    TimeProvider time,
    IOptions<DocumentOptions> options)
{
    public const string AgentName = "indexer";
    public const string Source = "/agents/indexer";

    /// <summary>Keeps the file and starts its indexing task.</summary>
    public async Task<DocumentRecord> AcceptAsync(StagedFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var documentId = TaskRunner.NewId();
        var taskId = TaskRunner.NewId();
        var record = new DocumentRecord(documentId, file.Name, file.ContentType, file.SizeBytes, DocumentStatus.Indexing, 0, taskId, time.GetUtcNow(), null, null);
        File.Move(file.TempPath, Path.Combine(database.DocumentsPath, DocumentStore.FileNameOf(record)));
        documents.Insert(record);
        await StartTaskAsync(record, taskId);
        return record;
    }

    /// <summary>Indexes a document again; <c>null</c> when it is being indexed now.</summary>
    public async Task<DocumentRecord?> ReindexAsync(DocumentRecord document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var taskId = TaskRunner.NewId();
        if (!documents.TryMarkIndexing(document.DocumentId, taskId))
        {
            return null;
        }
        var record = document with { Status = DocumentStatus.Indexing, TaskId = taskId, ChunkCount = 0, Error = null };
        await StartTaskAsync(record, taskId);
        return record;
    }

    /// <summary>Removes a document: cancels its indexing, takes it out of the index, deletes its file.</summary>
    public async Task DeleteAsync(DocumentRecord document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Status == DocumentStatus.Indexing)
        {
            await runner.CancelAsync(document.TaskId);
        }
        index.DeleteChunks(document.DocumentId);
        index.Commit();
        documents.Delete(document.DocumentId);
        File.Delete(Path.Combine(database.DocumentsPath, DocumentStore.FileNameOf(document)));
    }

    private Task StartTaskAsync(DocumentRecord document, string taskId)
    {
        var definition = new TaskDefinition(taskId, TaskKinds.DocumentIndex, $"Indexing {document.Name}", AgentName, Source, document.DocumentId, TaskLane.Documents);
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

        await context.ReportAsync("extracting", 0, $"reading {document.Name}");
        var text = await TextExtractor.ExtractAsync(
            path,
            document.ContentType,
            document.Name,
            (page, pages) => context.ReportAsync("extracting", 0.3 * page / pages, pages > 1 ? $"page {page} of {pages}" : $"read {document.Name}", page, pages),
            cancellationToken);

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
        return new TaskOutcome(result, () => context.PublishAsync(
            new DocumentIndexed(document.DocumentId, document.Name, document.ContentType, document.SizeBytes, chunks.Count, context.TaskId),
            $"documents/{document.DocumentId}").AsTask());
    }
}
