using System.Text.Json;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
using AgentPulse.Server.Storage;
using Microsoft.Data.Sqlite;

namespace AgentPulse.Server.Search;

/// <summary>Searches and their results in SQLite, so <c>GET /api/search/{id}</c> keeps them.</summary>
internal sealed class SearchStore(AgentDatabase database)
{
    public void Insert(string searchId, string query, int top, string taskId, DateTimeOffset at, string? owner)
    {
        database.Execute(
            "INSERT INTO searches (search_id, query, top, task_id, status, created_at, owner) VALUES ($id, $query, $top, $task, 'running', $at, $owner)",
            ("$owner", owner),
            ("$id", searchId),
            ("$query", query),
            ("$top", top),
            ("$task", taskId),
            ("$at", AgentDatabase.ToMs(at)));
    }

    public void Complete(SearchCompleted result)
    {
        ArgumentNullException.ThrowIfNull(result);
        database.Execute(
            "UPDATE searches SET status = 'completed', result_json = $json WHERE search_id = $id",
            ("$id", result.SearchId),
            ("$json", JsonSerializer.Serialize(result, AgentPulseJsonContext.Default.SearchCompleted)));
    }

    public void Fail(string searchId, TaskError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        database.Execute(
            "UPDATE searches SET status = 'failed', error_code = $code, error_message = $message WHERE search_id = $id",
            ("$id", searchId),
            ("$code", error.Code),
            ("$message", error.Message));
    }

    /// <summary>Marks searches a stopped server left running as failed.</summary>
    public int FailUnfinished(TaskError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return database.Execute(
            "UPDATE searches SET status = 'failed', error_code = $code, error_message = $message WHERE status = 'running'",
            ("$code", error.Code),
            ("$message", error.Message));
    }

    /// <summary>The search, if <paramref name="viewer"/> may see it (another user's is as good as missing).</summary>
    public SearchRecord? Get(string searchId, Identity.Viewer viewer)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT search_id, query, status, task_id, result_json, error_code, error_message FROM searches WHERE search_id = $id AND {AgentDatabase.VisibleTo}";
        command.Parameters.AddWithValue("$id", searchId);
        AgentDatabase.AddViewer(command, viewer);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    private static SearchRecord Read(SqliteDataReader r)
    {
        var result = r.IsDBNull(4) ? null : JsonSerializer.Deserialize(r.GetString(4), AgentPulseJsonContext.Default.SearchCompleted);
        return new SearchRecord(
            r.GetString(0),
            r.GetString(1),
            AgentDatabase.FromText(r.GetString(2), AgentPulseJsonContext.Default.SearchStatus),
            r.GetString(3),
            result?.TotalHits,
            result?.TookMs,
            result?.Results,
            r.IsDBNull(5) ? null : new TaskError(r.GetString(5), r.IsDBNull(6) ? "" : r.GetString(6)));
    }
}
