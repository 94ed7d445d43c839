using System.Threading.Channels;
using AgentPulse.AspNetCore;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPulse.Sqlite.Internal;

/// <summary>
/// The durable log. Publishers queue their appends; one writer takes everything queued, assigns the
/// seqs, commits it in one transaction (group commit), and only then adds the entries to the memory
/// window, hands them to fan-out and acknowledges them. A failed commit leaves no trace: its seqs
/// are given to the next group, which nobody has seen. Reads are served from the memory window;
/// only a resume older than it reads the database, a page at a time.
/// </summary>
/// <remarks>
/// The writer also keeps, for every retained event, its source and id (to find a repeat without a
/// read) and its append time (to trim by age): a few dozen bytes per retained event.
/// </remarks>
internal sealed partial class SqliteEventLog : IEventLog, IAsyncDisposable, IDisposable
{
    /// <summary>Appends waiting for the writer; past that, publishers wait for room.</summary>
    private const int QueueCapacity = 1024;

    /// <summary>The most events the writer commits in one transaction (a batch is never split).</summary>
    private const int MaxGroupEvents = 8192;

    /// <summary>The most rows one trim deletes, so that a trim never holds the writer for long.</summary>
    internal const int TrimBatch = 1000;

    private static readonly TimeSpan TrimInterval = TimeSpan.FromSeconds(5);

    private readonly SqliteEventLogOptions options;
    private readonly int retentionCount;
    private readonly TimeSpan retentionAge;
    private readonly TimeProvider time;
    private readonly ILogger<SqliteEventLog> logger;
    private readonly Channel<Work> queue = Channel.CreateBounded<Work>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly CancellationTokenSource stopping = new();
    // Guards the window with lastSeq and firstRetainedSeq, so that a read sees them agree.
    private readonly Lock gate = new();
    private readonly RecentEvents recent;
    private long lastSeq;
    private long firstRetainedSeq = 1; // the oldest seq still held; lastSeq + 1 when none is

    // The writer's own state.
    private readonly Dictionary<(string Source, string Id), long> byId = new();
    private readonly Queue<EventStore.RetainedRow> retained = new();
    private readonly Dictionary<(string Source, string Id), long> groupIds = new();
    private long lastAppendedAtMs;

    private string? path;
    private EventStore? store;
    private IEventLogSink? sink;
    private FileStream? lockFile;
    private Task? writer;
    private Task? trimmer;
    private string? epoch;
    private int disposed;

    public SqliteEventLog(IOptions<SqliteEventLogOptions> options, IOptions<AgentPulseOptions> agentPulseOptions, TimeProvider time, ILogger<SqliteEventLog> logger)
    {
        this.options = options.Value;
        retentionCount = agentPulseOptions.Value.LogRetentionCount;
        retentionAge = agentPulseOptions.Value.LogRetentionAge;
        this.time = time;
        this.logger = logger;
        // Entries leave the window when it is full or when a trim removes them from the log.
        recent = new RecentEvents(Math.Min(this.options.MemoryWindow, retentionCount), TimeSpan.MaxValue, time);
    }

    public string Epoch => epoch ?? throw new InvalidOperationException("The event log is not open yet: it opens when the host starts.");

    public long LastSeq => Volatile.Read(ref lastSeq);

    /// <summary>The database file, once open.</summary>
    internal string? FilePath => path;

    public Task StartAsync(IEventLogSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (store is not null)
        {
            throw new InvalidOperationException("The event log is already open.");
        }
        path = Path.GetFullPath(options.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        lockFile = TakeLock(path);
        EventStore.Recovered recovered;
        try
        {
            store = EventStore.Open(path, options.Synchronous, () => Guid.NewGuid().ToString("N")[..16], EventStore.ReadBootId(), out recovered);
            var windowFrom = Math.Max(recovered.LastSeq - recent.Capacity, recovered.Rows.Count > 0 ? recovered.Rows[0].Seq - 1 : recovered.LastSeq);
            foreach (var entry in store.ReadAfter(windowFrom))
            {
                recent.Add(entry);
            }
        }
        catch (Exception ex) when (ex is SqliteException or InvalidDataException or System.Text.Json.JsonException)
        {
            store?.Dispose();
            store = null;
            lockFile.Dispose();
            throw new EventLogUnavailableException(
                $"The event log {path} could not be opened: {ex.Message.TrimEnd('.')}. It is damaged or is not an AgentPulse event log, and was left as it is. " +
                "Restore it from a backup, or move it aside to start a new log (clients then reload their state from a snapshot).", ex);
        }
        epoch = recovered.Epoch;
        lastSeq = recovered.LastSeq;
        lastAppendedAtMs = recovered.LastAppendedAtMs;
        foreach (var row in recovered.Rows)
        {
            retained.Enqueue(row);
            byId[(row.Source, row.Id)] = row.Seq;
        }
        firstRetainedSeq = recovered.Rows.Count > 0 ? recovered.Rows[0].Seq : lastSeq + 1;
        this.sink = sink;
        writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        trimmer = TrimLoopAsync(stopping.Token);
        if (recovered.NewEpochAfterMachineRestart)
        {
            LogNewEpochAfterMachineRestart(logger, path, epoch);
        }
        LogOpened(logger, path, epoch, lastSeq, recovered.Rows.Count, options.Synchronous);
        return Task.CompletedTask;
    }

    public ValueTask<IReadOnlyList<PublishResult>> AppendAsync(IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (sink is null)
        {
            throw new EventLogUnavailableException("The event log is not open yet: it opens when the host starts.");
        }
        var work = new AppendWork(events);
        if (queue.Writer.TryWrite(work))
        {
            return new ValueTask<IReadOnlyList<PublishResult>>(work.Completion.Task);
        }
        return QueueAsync(work, cancellationToken);
    }

    private async ValueTask<IReadOnlyList<PublishResult>> QueueAsync(AppendWork work, CancellationToken cancellationToken)
    {
        try
        {
            await queue.Writer.WriteAsync(work, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new EventLogUnavailableException("The event log is closed: the server is stopping, or its writer failed (see the server log).");
        }
        return await work.Completion.Task;
    }

    public async ValueTask<LogRead> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken = default)
    {
        long upTo;
        lock (gate)
        {
            var last = lastSeq;
            if (afterSeq > last || afterSeq < firstRetainedSeq - 1)
            {
                return new LogRead([], Complete: false);
            }
            if (recent.TryReadAfter(afterSeq, max, last, out var events))
            {
                return new LogRead(events, Complete: true);
            }
            // Older than the window: page from the database up to where the window starts.
            upTo = recent.Count > 0 ? recent.FirstSeq - 1 : last;
        }
        try
        {
            var rows = await store!.ReadAfterAsync(afterSeq, upTo, max, cancellationToken);
            // A trim may have removed the start of the gap meanwhile.
            return rows.Count > 0 && rows[0].Seq == afterSeq + 1 ? new LogRead(rows, Complete: true) : new LogRead([], Complete: false);
        }
        catch (SqliteException ex)
        {
            // The client then starts over from a snapshot, as after a gap older than retention.
            LogReadFailed(logger, path, afterSeq, ex);
            return new LogRead([], Complete: false);
        }
    }

    /// <summary>Trims everything due now, in batches between the appends; completes when nothing is due.</summary>
    internal async Task TrimAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await queue.Writer.WriteAsync(new TrimWork([done]));
        await done.Task;
    }

    /// <summary>Runs <paramref name="action"/> on the writer's connection, between two group commits (tests use it to fill the disk).</summary>
    internal async Task RunOnWriterAsync(Action<SqliteConnection> action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await queue.Writer.WriteAsync(new WriterAction(action, done));
        await done.Task;
    }

    /// <summary>
    /// One server per database: a second one on the same file would give out the same seqs. The lock
    /// goes with the process, even on <c>kill -9</c>.
    /// </summary>
    private static FileStream TakeLock(string databasePath)
    {
        try
        {
            return new FileStream(databasePath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new EventLogUnavailableException(
                $"The event log {databasePath} is in use by another process (another AgentPulse server on the same data folder?). Stop it, or give this one a data folder of its own.", ex);
        }
    }

    private async Task TrimLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TrimInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                // Full queue: appends are coming, and each commit trims what is over the count anyway.
                queue.Writer.TryWrite(new TrimWork([]));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        // What is queued is still committed and acknowledged; nothing new is taken.
        queue.Writer.TryComplete();
        await stopping.CancelAsync();
        if (writer is not null)
        {
            await writer;
        }
        if (trimmer is not null)
        {
            await trimmer;
        }
        if (store is not null)
        {
            try
            {
                store.MarkClosedCleanly();
            }
            catch (SqliteException ex)
            {
                LogCloseFailed(logger, path, ex);
            }
            store.Dispose();
        }
        lockFile?.Dispose();
        stopping.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private abstract class Work;

    private sealed class AppendWork(IReadOnlyList<EventToAppend> events) : Work
    {
        public IReadOnlyList<EventToAppend> Events { get; } = events;

        public PublishResult[] Results { get; } = new PublishResult[events.Count];

        public TaskCompletionSource<IReadOnlyList<PublishResult>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class WriterAction(Action<SqliteConnection> action, TaskCompletionSource done) : Work
    {
        public void Run(SqliteConnection connection)
        {
            try
            {
                action(connection);
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }
    }

    private sealed class TrimWork(List<TaskCompletionSource> waiting) : Work
    {
        public List<TaskCompletionSource> Waiting { get; } = waiting;
    }
}
