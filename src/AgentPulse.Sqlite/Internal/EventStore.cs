using System.Globalization;
using System.Runtime.InteropServices;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using Microsoft.Data.Sqlite;

namespace AgentPulse.Sqlite.Internal;

/// <summary>
/// The SQL of the log: one table of events keyed by seq (the rowid), one of settings (the epoch, the
/// highest seq ever trimmed). One writing connection, owned by the log's writer; reads open pooled
/// connections of their own, which WAL lets run beside the writer.
/// </summary>
internal sealed class EventStore : IDisposable
{
    /// <summary>The schema this code writes; a file with a higher <c>user_version</c> is refused.</summary>
    public const int SchemaVersion = 1;

    private readonly SqliteConnection connection;
    private readonly string readConnectionString;
    private SqliteCommand? insert;

    private EventStore(SqliteConnection connection, string readConnectionString)
    {
        this.connection = connection;
        this.readConnectionString = readConnectionString;
    }

    /// <summary>The writing connection: only the log's writer uses it.</summary>
    public SqliteConnection Connection => connection;

    /// <summary>What <see cref="Open"/> found.</summary>
    /// <param name="Epoch">The log's epoch.</param>
    /// <param name="LastSeq">The highest seq ever given.</param>
    /// <param name="TrimmedTo">The highest seq ever trimmed.</param>
    /// <param name="LastAppendedAtMs">When the last retained event was appended.</param>
    /// <param name="Rows">The retained events, in seq order.</param>
    /// <param name="NewEpochAfterMachineRestart">Whether the epoch was renewed because the machine restarted while the log was open.</param>
    public sealed record Recovered(string Epoch, long LastSeq, long TrimmedTo, long LastAppendedAtMs, List<RetainedRow> Rows, bool NewEpochAfterMachineRestart);

    /// <summary>A retained event as the log's writer keeps it in memory: enough to trim by age and to find a repeat.</summary>
    public readonly record struct RetainedRow(long Seq, long AppendedAtMs, string Source, string Id);

    /// <summary>
    /// Opens (or creates) the database, checking before anything is written that it is an event log
    /// this code can read; recovers the epoch, the last seq and the retained rows.
    /// </summary>
    /// <exception cref="SqliteException">The file is not a database, or is damaged.</exception>
    /// <exception cref="InvalidDataException">The file is a database, but not an event log this code can use.</exception>
    /// <param name="path">The file.</param>
    /// <param name="synchronous">How far a commit goes.</param>
    /// <param name="newEpoch">Makes an epoch.</param>
    /// <param name="bootId">This boot of the machine; <c>null</c> when unknown.</param>
    /// <param name="recovered">What the file holds.</param>
    public static EventStore Open(string path, SqliteSynchronous synchronous, Func<string> newEpoch, string? bootId, out Recovered recovered)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false, DefaultTimeout = 30 };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            // Reads only, so that a file that is not ours is left exactly as it was.
            var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
            var tables = new HashSet<string>(StringComparer.Ordinal);
            using (var list = connection.CreateCommand())
            {
                list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
                using var reader = list.ExecuteReader();
                while (reader.Read())
                {
                    tables.Add(reader.GetString(0));
                }
            }
            if (version > SchemaVersion)
            {
                throw new InvalidDataException($"it was written by a newer AgentPulse (schema {version}; this one reads {SchemaVersion})");
            }
            var ours = tables.Contains("events") && tables.Contains("log_settings");
            if (tables.Count > 0 && (!ours || version != SchemaVersion))
            {
                throw new InvalidDataException("it is a SQLite database, but not an AgentPulse event log");
            }

            Execute(connection, $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = {(synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL")};
                PRAGMA journal_size_limit = {8 * 1024 * 1024};
                """);
            if (!ours)
            {
                using var create = connection.BeginTransaction();
                Execute(connection, $"""
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY,
                        source TEXT NOT NULL,
                        id TEXT NOT NULL,
                        user_id TEXT,
                        appended_at INTEGER NOT NULL,
                        frame BLOB NOT NULL);
                    CREATE TABLE log_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    INSERT INTO log_settings (key, value) VALUES ('epoch', '{newEpoch()}');
                    PRAGMA user_version = {SchemaVersion};
                    """, create);
                create.Commit();
            }

            var epoch = Setting(connection, "epoch") ?? throw new InvalidDataException("its epoch is missing");
            var trimmedTo = Convert.ToInt64(Setting(connection, "trimmed_to") ?? "0", CultureInfo.InvariantCulture);
            var rows = new List<RetainedRow>();
            using (var scan = connection.CreateCommand())
            {
                scan.CommandText = "SELECT seq, appended_at, source, id FROM events ORDER BY seq";
                using var reader = scan.ExecuteReader();
                while (reader.Read())
                {
                    var row = new RetainedRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3));
                    if (rows.Count > 0 && row.Seq != rows[^1].Seq + 1)
                    {
                        throw new InvalidDataException($"its seqs have a hole after {rows[^1].Seq}");
                    }
                    rows.Add(row);
                }
            }
            // With synchronous NORMAL, a power loss or an operating system crash may take the last
            // commits, whose seqs clients may have seen: the next events would take those seqs again.
            // A log that was open, not closed, when the machine went down gets a new epoch, so that
            // such clients start over from a snapshot instead of skipping events.
            var lostTail = synchronous == SqliteSynchronous.Normal && bootId is not null
                && Setting(connection, "boot") is { Length: > 0 } lastBoot && lastBoot != bootId
                && Setting(connection, "clean") != "1";
            if (lostTail)
            {
                epoch = newEpoch();
                SetSetting(connection, "epoch", epoch);
            }
            SetSetting(connection, "boot", bootId ?? "");
            SetSetting(connection, "clean", "0");
            var lastSeq = Math.Max(trimmedTo, rows.Count > 0 ? rows[^1].Seq : 0);
            recovered = new Recovered(epoch, lastSeq, trimmedTo, rows.Count > 0 ? rows[^1].AppendedAtMs : 0, rows, lostTail);
            var read = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = true, DefaultTimeout = 30 };
            return new EventStore(connection, read.ToString());
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Records that the log was closed with everything committed (at a graceful stop).</summary>
    public void MarkClosedCleanly() => SetSetting(connection, "clean", "1");

    /// <summary>This boot of the machine (Linux's boot id); <c>null</c> where it cannot be known.</summary>
    public static string? ReadBootId()
    {
        try
        {
            return File.Exists("/proc/sys/kernel/random/boot_id") ? File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Inserts the rows in one transaction and commits it: all or none.</summary>
    public void Insert(IReadOnlyList<LoggedEvent> entries, long appendedAtMs)
    {
        using var transaction = connection.BeginTransaction();
        var command = insert ??= PrepareInsert();
        command.Transaction = transaction;
        var parameters = command.Parameters;
        foreach (var entry in entries)
        {
            parameters[0].Value = entry.Seq;
            parameters[1].Value = entry.Event.Source;
            parameters[2].Value = entry.Event.Id;
            parameters[3].Value = (object?)entry.Audience.UserId ?? DBNull.Value;
            parameters[4].Value = appendedAtMs;
            parameters[5].Value = AsArray(entry.Utf8Frame);
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>The highest seq in the table, as the writing connection sees it (after a failed commit: whether it was one).</summary>
    public long MaxSeq() => Convert.ToInt64(Scalar(connection, "SELECT coalesce(max(seq), 0) FROM events"), CultureInfo.InvariantCulture);

    /// <summary>Deletes every event up to <paramref name="upToSeq"/> and remembers that seq, in one transaction.</summary>
    public void DeleteUpTo(long upToSeq)
    {
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            DELETE FROM events WHERE seq <= $upTo;
            INSERT INTO log_settings (key, value) VALUES ('trimmed_to', $upTo)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value;
            """;
        command.Parameters.AddWithValue("$upTo", upToSeq);
        command.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>Reads up to <paramref name="max"/> events after <paramref name="afterSeq"/>, up to <paramref name="upToSeq"/>, on a connection of its own.</summary>
    public async Task<List<LoggedEvent>> ReadAfterAsync(long afterSeq, long upToSeq, int max, CancellationToken cancellationToken)
    {
        await using var reading = new SqliteConnection(readConnectionString);
        await reading.OpenAsync(cancellationToken);
        await using var command = reading.CreateCommand();
        command.CommandText = "SELECT user_id, frame FROM events WHERE seq > $after AND seq <= $upTo ORDER BY seq LIMIT $max";
        command.Parameters.AddWithValue("$after", afterSeq);
        command.Parameters.AddWithValue("$upTo", upToSeq);
        command.Parameters.AddWithValue("$max", max);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<LoggedEvent>(Math.Min(max, 1024));
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(ReadEntry(reader));
        }
        return events;
    }

    /// <summary>Reads the events after <paramref name="afterSeq"/> on the writing connection (at start, to fill the memory window).</summary>
    public List<LoggedEvent> ReadAfter(long afterSeq)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT user_id, frame FROM events WHERE seq > $after ORDER BY seq";
        command.Parameters.AddWithValue("$after", afterSeq);
        using var reader = command.ExecuteReader();
        var events = new List<LoggedEvent>();
        while (reader.Read())
        {
            events.Add(ReadEntry(reader));
        }
        return events;
    }

    private static LoggedEvent ReadEntry(SqliteDataReader reader)
    {
        var audience = reader.IsDBNull(0) ? EventAudience.Public : EventAudience.User(reader.GetString(0));
        var frame = (byte[])reader.GetValue(1);
        // The frame is the very bytes sent live; the event is parsed from it for the connection's filters.
        return new LoggedEvent(CloudEvent.Parse(frame), audience, frame);
    }

    private static byte[] AsArray(ReadOnlyMemory<byte> frame) =>
        MemoryMarshal.TryGetArray(frame, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : frame.ToArray();

    private SqliteCommand PrepareInsert()
    {
        var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO events (seq, source, id, user_id, appended_at, frame) VALUES ($seq, $source, $id, $user, $at, $frame)";
        command.Parameters.Add("$seq", SqliteType.Integer);
        command.Parameters.Add("$source", SqliteType.Text);
        command.Parameters.Add("$id", SqliteType.Text);
        command.Parameters.Add("$user", SqliteType.Text);
        command.Parameters.Add("$at", SqliteType.Integer);
        command.Parameters.Add("$frame", SqliteType.Blob);
        command.Prepare();
        return command;
    }

    private static string? Setting(SqliteConnection connection, string key)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM log_settings WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as string;
    }

    private static void SetSetting(SqliteConnection connection, string key, string value)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO log_settings (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", value);
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        insert?.Dispose();
        connection.Dispose();
        // The readers' pooled connections go too, so that nothing holds the file once the log is closed.
        using var pooled = new SqliteConnection(readConnectionString);
        SqliteConnection.ClearPool(pooled);
    }
}
