using AgentPulse.Protocol;
using AgentPulse.Server.Storage;
using Microsoft.Data.Sqlite;

namespace AgentPulse.Server.Documents;

/// <summary>A document as <c>GET /api/documents</c> shows it.</summary>
/// <param name="DocumentId">The server's id.</param>
/// <param name="Name">The name as uploaded (never used as a path).</param>
/// <param name="ContentType">The type found from the content: <c>application/pdf</c>, <c>text/html</c>, <c>text/markdown</c> or <c>text/plain</c>.</param>
/// <param name="SizeBytes">The file's size.</param>
/// <param name="Status"><c>indexing</c>, <c>indexed</c> or <c>failed</c>.</param>
/// <param name="ChunkCount">How many chunks are searchable (0 unless indexed).</param>
/// <param name="TaskId">The latest indexing task.</param>
/// <param name="CreatedAt">When it was uploaded.</param>
/// <param name="IndexedAt">When it was last indexed; <c>null</c> when not.</param>
/// <param name="Error">Why it failed; <c>null</c> unless failed.</param>
public sealed record DocumentRecord(
    string DocumentId,
    string Name,
    string ContentType,
    long SizeBytes,
    string Status,
    int ChunkCount,
    string TaskId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? IndexedAt,
    TaskError? Error)
{
    internal string StoredName { get; init; } = "";
}

/// <summary>The statuses of a document.</summary>
public static class DocumentStatus
{
    public const string Indexing = "indexing";
    public const string Indexed = "indexed";
    public const string Failed = "failed";
}

/// <summary>Documents in SQLite.</summary>
public sealed class DocumentStore(AgentDatabase database)
{
    private const string Columns = "document_id, name, stored_name, content_type, size_bytes, status, chunk_count, task_id, created_at, indexed_at, error_code, error_message";

    public void Insert(DocumentRecord document)
    {
        ArgumentNullException.ThrowIfNull(document);
        database.Execute(
            $"INSERT INTO documents ({Columns}) VALUES ($id, $name, $stored, $type, $size, $status, 0, $task, $created, NULL, NULL, NULL)",
            ("$id", document.DocumentId),
            ("$name", document.Name),
            ("$stored", document.StoredName),
            ("$type", document.ContentType),
            ("$size", document.SizeBytes),
            ("$status", document.Status),
            ("$task", document.TaskId),
            ("$created", AgentDatabase.ToMs(document.CreatedAt)));
    }

    public DocumentRecord? Get(string documentId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM documents WHERE document_id = $id";
        command.Parameters.AddWithValue("$id", documentId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>Every document, newest first.</summary>
    public List<DocumentRecord> List(string? status = null)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = status is null
            ? $"SELECT {Columns} FROM documents ORDER BY created_at DESC, document_id"
            : $"SELECT {Columns} FROM documents WHERE status = $status ORDER BY created_at DESC, document_id";
        if (status is not null)
        {
            command.Parameters.AddWithValue("$status", status);
        }
        using var reader = command.ExecuteReader();
        var list = new List<DocumentRecord>();
        while (reader.Read())
        {
            list.Add(Read(reader));
        }
        return list;
    }

    /// <summary>The ids of the documents whose chunks may be searched.</summary>
    public HashSet<string> IndexedIds()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT document_id FROM documents WHERE status = 'indexed'";
        using var reader = command.ExecuteReader();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <summary>Marks it as being (re)indexed by <paramref name="taskId"/>, unless it is already.</summary>
    /// <returns>Whether it was marked.</returns>
    public bool TryMarkIndexing(string documentId, string taskId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE documents SET status = 'indexing', task_id = $task, chunk_count = 0, error_code = NULL, error_message = NULL WHERE document_id = $id AND status <> 'indexing'";
        command.Parameters.AddWithValue("$id", documentId);
        command.Parameters.AddWithValue("$task", taskId);
        return command.ExecuteNonQuery() == 1;
    }

    public void MarkIndexed(string documentId, int chunkCount, DateTimeOffset at)
    {
        database.Execute(
            "UPDATE documents SET status = 'indexed', chunk_count = $chunks, indexed_at = $at, error_code = NULL, error_message = NULL WHERE document_id = $id",
            ("$id", documentId),
            ("$chunks", chunkCount),
            ("$at", AgentDatabase.ToMs(at)));
    }

    public void MarkFailed(string documentId, TaskError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        database.Execute(
            "UPDATE documents SET status = 'failed', chunk_count = 0, error_code = $code, error_message = $message WHERE document_id = $id",
            ("$id", documentId),
            ("$code", error.Code),
            ("$message", error.Message));
    }

    public bool Delete(string documentId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM documents WHERE document_id = $id";
        command.Parameters.AddWithValue("$id", documentId);
        return command.ExecuteNonQuery() == 1;
    }

    private static DocumentRecord Read(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(3),
        r.GetInt64(4),
        r.GetString(5),
        r.GetInt32(6),
        r.GetString(7),
        AgentDatabase.FromMs(r.GetInt64(8)),
        r.IsDBNull(9) ? null : AgentDatabase.FromMs(r.GetInt64(9)),
        r.IsDBNull(10) ? null : new TaskError(r.GetString(10), r.IsDBNull(11) ? "" : r.GetString(11)))
    {
        StoredName = r.GetString(2),
    };
}
