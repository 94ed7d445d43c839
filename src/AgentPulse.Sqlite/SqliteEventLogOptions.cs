using System.ComponentModel.DataAnnotations;

namespace AgentPulse.Sqlite;

/// <summary>
/// Options of the SQLite event log. Retention (count and age) is <c>AgentPulseOptions.LogRetentionCount</c>
/// and <c>LogRetentionAge</c>, as for any log. Validated at start.
/// </summary>
public sealed class SqliteEventLogOptions
{
    /// <summary>The database file; its folder is created when missing (default: "events.db", in the working directory).</summary>
    [Required]
    public string Path { get; set; } = "events.db";

    /// <summary>
    /// How far a commit goes before a publish is acknowledged (default: <see cref="SqliteSynchronous.Normal"/>:
    /// safe from a crash of the process; <see cref="SqliteSynchronous.Full"/>: safe from a power loss too).
    /// </summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Normal;

    /// <summary>
    /// How many of the latest events are also kept in memory, from which live catch-ups and recent
    /// resumes are served without reading the database; only older resumes read it (default: 10000;
    /// at most the retention count).
    /// </summary>
    [Range(1, 10_000_000)]
    public int MemoryWindow { get; set; } = 10_000;
}

/// <summary>SQLite's <c>synchronous</c> setting for the log, in WAL mode.</summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// A commit is written to the write-ahead log, which the operating system keeps when the process
    /// dies (<c>kill -9</c> loses nothing acknowledged); the log is synced to the disk at checkpoints,
    /// so a power loss or an operating system crash may lose the events acknowledged since the last one.
    /// </summary>
    Normal,

    /// <summary>Every commit is synced to the disk before it is acknowledged: a power loss loses nothing acknowledged, at the cost of one sync per group commit.</summary>
    Full,
}
