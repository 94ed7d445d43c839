using AgentPulse.Protocol;
using AgentPulse.Server.Storage;
using Microsoft.Data.Sqlite;

namespace AgentPulse.Server.Tasks;

/// <summary>Task records in SQLite: what <c>GET /api/tasks</c> serves and what survives a restart.</summary>
public sealed class TaskStore(AgentDatabase database)
{
    private const string Columns = "task_id, kind, title, agent, resource_id, owner, status, progress, stage, message, started_at, finished_at, error_code, error_message";

    public void Save(TaskRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        database.Execute(
            $"INSERT OR REPLACE INTO tasks ({Columns}) VALUES ($id, $kind, $title, $agent, $resource, $owner, $status, $progress, $stage, $message, $started, $finished, $code, $error)",
            ("$id", record.TaskId),
            ("$kind", record.Kind),
            ("$title", record.Title),
            ("$agent", record.Agent),
            ("$resource", record.ResourceId),
            ("$owner", record.Owner),
            ("$status", StatusName(record.Status)),
            ("$progress", record.Progress),
            ("$stage", record.Stage),
            ("$message", record.Message),
            ("$started", AgentDatabase.ToMs(record.StartedAt)),
            ("$finished", record.FinishedAt is { } f ? AgentDatabase.ToMs(f) : null),
            ("$code", record.Error?.Code),
            ("$error", record.Error?.Message));
    }

    public TaskRecord? Get(string taskId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM tasks WHERE task_id = $id";
        command.Parameters.AddWithValue("$id", taskId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>The newest tasks first; only queued and running ones when <paramref name="activeOnly"/>.</summary>
    public List<TaskRecord> List(bool activeOnly, int limit) => List(activeOnly, limit, Identity.Viewer.Everyone);

    /// <summary>The task, if <paramref name="viewer"/> may see it (another user's is as good as missing).</summary>
    internal TaskRecord? Get(string taskId, Identity.Viewer viewer) =>
        Get(taskId) is { } record && viewer.CanSee(record.Owner) ? record : null;

    /// <summary>The newest tasks <paramref name="viewer"/> may see first; only queued and running ones when <paramref name="activeOnly"/>.</summary>
    internal List<TaskRecord> List(bool activeOnly, int limit, Identity.Viewer viewer)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = activeOnly
            ? $"SELECT {Columns} FROM tasks WHERE status IN ('queued', 'running') AND {AgentDatabase.VisibleTo} ORDER BY started_at DESC, task_id DESC LIMIT $limit"
            : $"SELECT {Columns} FROM tasks WHERE {AgentDatabase.VisibleTo} ORDER BY started_at DESC, task_id DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        AgentDatabase.AddViewer(command, viewer);
        using var reader = command.ExecuteReader();
        var list = new List<TaskRecord>();
        while (reader.Read())
        {
            list.Add(Read(reader));
        }
        return list;
    }

    internal static string StatusName(AgentTaskStatus status) => status switch
    {
        AgentTaskStatus.Queued => "queued",
        AgentTaskStatus.Running => "running",
        AgentTaskStatus.Completed => "completed",
        _ => "failed",
    };

    private static AgentTaskStatus ParseStatus(string status) => status switch
    {
        "queued" => AgentTaskStatus.Queued,
        "running" => AgentTaskStatus.Running,
        "completed" => AgentTaskStatus.Completed,
        _ => AgentTaskStatus.Failed,
    };

    private static TaskRecord Read(SqliteDataReader r) => new()
    {
        TaskId = r.GetString(0),
        Kind = r.GetString(1),
        Title = r.GetString(2),
        Agent = r.GetString(3),
        ResourceId = r.IsDBNull(4) ? null : r.GetString(4),
        Owner = r.IsDBNull(5) ? null : r.GetString(5),
        Status = ParseStatus(r.GetString(6)),
        Progress = r.GetDouble(7),
        Stage = r.IsDBNull(8) ? null : r.GetString(8),
        Message = r.IsDBNull(9) ? null : r.GetString(9),
        StartedAt = AgentDatabase.FromMs(r.GetInt64(10)),
        FinishedAt = r.IsDBNull(11) ? null : AgentDatabase.FromMs(r.GetInt64(11)),
        Error = r.IsDBNull(12) ? null : new TaskError(r.GetString(12), r.IsDBNull(13) ? "" : r.GetString(13)),
    };
}
