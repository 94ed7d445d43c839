using System.Text.Json.Serialization;

namespace AgentPulse.Protocol.Contracts;

/// <summary>Where a document is (<c>status</c> in <c>/api/documents</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DocumentStatus>))]
public enum DocumentStatus
{
    /// <summary>Its indexing task is queued or running (<see cref="DocumentRecord.TaskId"/>).</summary>
    [JsonStringEnumMemberName("indexing")] Indexing,

    /// <summary>Every chunk is searchable.</summary>
    [JsonStringEnumMemberName("indexed")] Indexed,

    /// <summary>Its last indexing failed (<see cref="DocumentRecord.Error"/> says why); no chunk of it is searchable.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>A document as <c>GET /api/documents</c> and <c>GET /api/documents/{id}</c> show it.</summary>
/// <param name="DocumentId">The server's id.</param>
/// <param name="Name">The name as uploaded (never used as a path).</param>
/// <param name="ContentType">The type found from the content: <c>application/pdf</c>, <c>text/html</c>, <c>text/markdown</c> or <c>text/plain</c>.</param>
/// <param name="SizeBytes">The file's size.</param>
/// <param name="Status">Indexing, indexed or failed.</param>
/// <param name="ChunkCount">How many chunks are searchable (0 unless indexed).</param>
/// <param name="TaskId">The latest indexing task.</param>
/// <param name="CreatedAt">When it was uploaded.</param>
/// <param name="IndexedAt">When it was last indexed; <c>null</c> when not.</param>
/// <param name="Error">Why it failed; <c>null</c> unless failed.</param>
/// <param name="Owner">The user it belongs to, when authentication is on; <c>null</c> (and left out) for a public document.</param>
public sealed record DocumentRecord(
    string DocumentId,
    string Name,
    string ContentType,
    long SizeBytes,
    DocumentStatus Status,
    int ChunkCount,
    string TaskId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? IndexedAt,
    TaskError? Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Owner = null);

/// <summary>The answer to <c>GET /api/documents</c>: every document, the newest first.</summary>
/// <param name="Documents">The documents.</param>
public sealed record DocumentList(IReadOnlyList<DocumentRecord> Documents);

/// <summary>A file the server took: its document and the task that indexes it.</summary>
/// <param name="DocumentId">The new document's id.</param>
/// <param name="TaskId">Its indexing task (<c>task.*</c> events carry it).</param>
/// <param name="Name">The name as uploaded.</param>
public sealed record AcceptedDocument(string DocumentId, string TaskId, string Name);

/// <summary>The 202 answer to <c>POST /api/documents</c> and <c>POST /api/documents/{id}/reindex</c>.</summary>
/// <param name="Documents">One per file, in the order sent.</param>
public sealed record DocumentsAccepted(IReadOnlyList<AcceptedDocument> Documents);

/// <summary>The <c>result</c> of a <c>task.completed</c> of kind <see cref="TaskKinds.DocumentIndex"/>.</summary>
/// <param name="DocumentId">The document.</param>
/// <param name="ChunkCount">How many chunks are searchable.</param>
public sealed record DocumentTaskResult(string DocumentId, int ChunkCount);
