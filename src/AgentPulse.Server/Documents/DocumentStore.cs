using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
using AgentPulse.Server.Storage;
using Microsoft.Data.Sqlite;

namespace AgentPulse.Server.Documents;

/// <summary>Documents in SQLite; their files under <see cref="AgentDatabase.DocumentsPath"/>.</summary>
public sealed class DocumentStore(AgentDatabase database)
{
    private const string Columns = "document_id, name, content_type, size_bytes, status, chunk_count, task_id, created_at, indexed_at, error_code, error_message, owner";

    /// <summary>The name of a document's file under <see cref="AgentDatabase.DocumentsPath"/>: made by the server, never from the upload's name.</summary>
    public static string FileNameOf(DocumentRecord document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document.DocumentId + DocumentTypes.ExtensionOf(document.ContentType);
    }

    public void Insert(DocumentRecord document)
    {
        ArgumentNullException.ThrowIfNull(document);
        database.Execute(
            $"INSERT INTO documents (stored_name, {Columns}) VALUES ($stored, $id, $name, $type, $size, $status, 0, $task, $created, NULL, NULL, NULL, $owner)",
            ("$id", document.DocumentId),
            ("$name", document.Name),
            ("$stored", FileNameOf(document)),
            ("$type", document.ContentType),
            ("$size", document.SizeBytes),
            ("$status", AgentDatabase.ToText(document.Status, AgentPulseJsonContext.Default.DocumentStatus)),
            ("$task", document.TaskId),
            ("$created", AgentDatabase.ToMs(document.CreatedAt)),
            ("$owner", document.Owner));
    }

    /// <summary>The document, if <paramref name="viewer"/> may see it: another user's is as good as missing, so its id tells nothing.</summary>
    internal DocumentRecord? Get(string documentId, Identity.Viewer viewer) =>
        Get(documentId) is { } document && viewer.CanSee(document.Owner) ? document : null;

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
    public List<DocumentRecord> List() => List(Identity.Viewer.Everyone);

    /// <summary>Every document <paramref name="viewer"/> may see, newest first.</summary>
    internal List<DocumentRecord> List(Identity.Viewer viewer)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM documents WHERE {AgentDatabase.VisibleTo} ORDER BY created_at DESC, document_id";
        AgentDatabase.AddViewer(command, viewer);
        using var reader = command.ExecuteReader();
        var list = new List<DocumentRecord>();
        while (reader.Read())
        {
            list.Add(Read(reader));
        }
        return list;
    }

    /// <summary>The ids of the documents whose chunks <paramref name="viewer"/> may search.</summary>
    internal HashSet<string> IndexedIds(Identity.Viewer viewer)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT document_id FROM documents WHERE status = 'indexed' AND {AgentDatabase.VisibleTo}";
        AgentDatabase.AddViewer(command, viewer);
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
        r.GetString(2),
        r.GetInt64(3),
        AgentDatabase.FromText(r.GetString(4), AgentPulseJsonContext.Default.DocumentStatus),
        r.GetInt32(5),
        r.GetString(6),
        AgentDatabase.FromMs(r.GetInt64(7)),
        r.IsDBNull(8) ? null : AgentDatabase.FromMs(r.GetInt64(8)),
        r.IsDBNull(9) ? null : new TaskError(r.GetString(9), r.IsDBNull(10) ? "" : r.GetString(10)),
        r.IsDBNull(11) ? null : r.GetString(11));
}
