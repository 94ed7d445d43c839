using System.Globalization;
using AgentPulse.AspNetCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AgentPulse.Redis.Internal;

/// <summary>
/// The log as one Redis stream shared by every node. An append is one Lua script call: it checks the
/// epoch, increments the counter, adds each event with the id <c>&lt;seq&gt;-0</c> and records its
/// source + id for idempotency, atomically. Fan-out is driven by this node's one reader
/// (<c>XREAD BLOCK</c> from its last seq, on a connection of its own), which hands every entry, of any
/// node, to the sink in seq order, and keeps the latest in a memory window for catch-ups and resumes;
/// older resumes page through the stream with <c>XRANGE</c>. This node's own appends come through the reader
/// too: Redis answers a blocked <c>XREAD</c> as it answers the append, and while fan-out is busy the reader's
/// next read brings everything appended meanwhile in one hand-over, so each connection writes a burst at once
/// rather than one write per event (handing each append over as it returned cost five times the CPU per delivery).
/// </summary>
/// <remarks>
/// The epoch lives in Redis and changes only when the stream is lost (see <see cref="Scripts.Ensure"/>);
/// whoever notices first (the reader, idle or back after a failure, or an append that Redis refused)
/// makes or adopts the new epoch, and the sink is told with <see cref="IEventLogSink.OnReset"/>. Each
/// entry carries its epoch, so the reader never takes an entry of a new epoch for one of the old.
/// </remarks>
internal sealed partial class RedisEventLog : IEventLog, IAsyncDisposable
{
    /// <summary>The most entries one <c>XREAD</c> or start-up page takes.</summary>
    private const int ReadBatch = 512;

    /// <summary>How long the reader waits for an entry before it checks the epoch (a restarted Redis is noticed within this).</summary>
    internal static readonly TimeSpan ReadBlock = TimeSpan.FromSeconds(1);

    /// <summary>The most entries one trim by age looks at.</summary>
    private const int TrimBatch = 100;

    private static readonly TimeSpan TrimInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxReaderBackoff = TimeSpan.FromSeconds(2);

    private readonly RedisEventLogOptions options;
    private readonly int retentionCount;
    private readonly TimeSpan retentionAge;
    private readonly TimeProvider time;
    private readonly ILogger<RedisEventLog> logger;
    private readonly StreamKeys keys;
    private readonly CancellationTokenSource stopping = new();

    // Guards the window with the epoch, lastSeq and generation, so that a read sees them agree.
    private readonly Lock gate = new();
    // One hand-over to the sink at a time, in order: the reader's entries and the resets.
    private readonly Lock sinkGate = new();
    private RecentEvents recent;
    private string? epoch;
    private long lastSeq;
    private long generation; // bumped by every new epoch: a read issued before it is dropped

    private ConnectionMultiplexer? commands;
    private ConnectionMultiplexer? readerConnection;
    private IDatabase? db;
    private string where = "";
    private IEventLogSink? sink;
    private Task? reading;
    private Task? trimming;
    private int disposed;

    public RedisEventLog(IOptions<RedisEventLogOptions> options, IOptions<AgentPulseOptions> agentPulseOptions, TimeProvider time, ILogger<RedisEventLog> logger)
    {
        this.options = options.Value;
        retentionCount = agentPulseOptions.Value.LogRetentionCount;
        retentionAge = agentPulseOptions.Value.LogRetentionAge;
        this.time = time;
        this.logger = logger;
        keys = new StreamKeys(this.options.KeyPrefix);
        recent = NewWindow();
    }

    public string Epoch
    {
        get
        {
            lock (gate)
            {
                return epoch ?? throw new InvalidOperationException("The event log is not open yet: it opens when the host starts.");
            }
        }
    }

    public long LastSeq => Volatile.Read(ref lastSeq);

    /// <summary>The keys, for tests that break the stream on purpose.</summary>
    internal StreamKeys Keys => keys;

    private RecentEvents NewWindow() => new(Math.Min(options.MemoryWindow, retentionCount), retentionAge, time);

    public async Task StartAsync(IEventLogSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (commands is not null)
        {
            throw new InvalidOperationException("The event log is already open.");
        }
        ConfigurationOptions configuration;
        try
        {
            configuration = ConfigurationOptions.Parse(options.Configuration);
        }
        catch (ArgumentException ex)
        {
            throw new EventLogUnavailableException($"The Redis configuration '{options.Configuration}' is not valid: {ex.Message}", ex);
        }
        where = string.Join(", ", configuration.EndPoints.Select(e => e.ToString()));
        // Fail the first connect (the node does not start without its log); after that, reconnect for
        // ever in the background, and fail commands at once while disconnected (a publish gets 503 and
        // retries, rather than waiting in a backlog).
        configuration.AbortOnConnectFail = true;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        // Back within a second or two of Redis, not the default's up to ten.
        configuration.ReconnectRetryPolicy = new ExponentialRetry(100, 2000);
        configuration.ClientName ??= $"agentpulse-{Environment.MachineName}-{Environment.ProcessId}";
        try
        {
            commands = await ConnectionMultiplexer.ConnectAsync(configuration);
            // XREAD BLOCK holds its connection while it waits: the reader has one of its own.
            readerConnection = await ConnectionMultiplexer.ConnectAsync(configuration.Clone());
        }
        catch (RedisException ex)
        {
            await CloseConnectionsAsync();
            throw new EventLogUnavailableException(
                $"Redis at {where} could not be reached: {ex.Message.TrimEnd('.')}. Start it, or set AgentPulse:Redis:Configuration to where it runs.", ex);
        }
        db = commands.GetDatabase();

        try
        {
            var state = await EnsureAsync(known: "", seen: 0);
            if (state.Made)
            {
                LogEpochMade(logger, state.Epoch, state.Base);
            }
            epoch = state.Epoch;
            lastSeq = state.Base;
            var retained = await LoadAsync(sink, state.Seq, cancellationToken);
            this.sink = sink;
            LogOpened(logger, where, keys.Stream.ToString(), state.Epoch, lastSeq, retained);
        }
        catch (RedisException ex)
        {
            await CloseConnectionsAsync();
            throw new EventLogUnavailableException($"Redis at {where} failed while the event log opened: {ex.Message}", ex);
        }
        reading = Task.Run(() => ReadLoopAsync(stopping.Token), CancellationToken.None);
        trimming = TrimLoopAsync(stopping.Token);
    }

    /// <summary>
    /// Hands the retained entries of the epoch to the sink, so that observers fold the same state on every
    /// node, and fills the window; the reader goes on from the last one.
    /// </summary>
    private async Task<int> LoadAsync(IEventLogSink startSink, long seqAtEnsure, CancellationToken cancellationToken)
    {
        var count = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await db!.StreamRangeAsync(keys.Stream, Id(lastSeq + 1), "+", ReadBatch);
            var entries = new List<LoggedEvent>(page.Length);
            foreach (var raw in page)
            {
                if (Decode(raw.Id, raw.Values) is not { } entry || entry.Epoch != epoch)
                {
                    break; // an entry of another epoch: the reader sees it and takes the new epoch
                }
                if (entry.Event.Seq != lastSeq + 1)
                {
                    recent = NewWindow(); // the start of the retained stream, past what was trimmed
                }
                recent.Add(entry.Event);
                lastSeq = entry.Event.Seq;
                entries.Add(entry.Event);
            }
            if (entries.Count > 0)
            {
                startSink.OnCommitted(entries);
                count += entries.Count;
            }
            if (entries.Count < page.Length || page.Length < ReadBatch)
            {
                break;
            }
        }
        if (count == 0)
        {
            // Nothing retained (trimmed by age, or none yet): go on after the last seq given.
            lastSeq = Math.Max(lastSeq, seqAtEnsure);
        }
        return count;
    }

    public async ValueTask<IReadOnlyList<PublishResult>> AppendAsync(IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (sink is null || db is null)
        {
            throw new EventLogUnavailableException("The event log is not open yet: it opens when the host starts.");
        }
        if (events.Count == 0)
        {
            return [];
        }
        var payloads = new RedisValue[events.Count * 2];
        for (var i = 0; i < events.Count; i++)
        {
            var (cloudEvent, audience) = events[i];
            payloads[2 * i] = Protocol.Frames.Event(cloudEvent with { Seq = 0 });
            payloads[(2 * i) + 1] = audience.UserId ?? "";
        }
        for (var attempt = 0; ; attempt++)
        {
            string known;
            lock (gate)
            {
                known = epoch!;
            }
            var scriptKeys = new RedisKey[events.Count + 2];
            scriptKeys[0] = keys.Meta;
            scriptKeys[1] = keys.Stream;
            var args = new RedisValue[payloads.Length + 3];
            args[0] = known;
            args[1] = retentionCount;
            args[2] = (long)Math.Min(retentionAge.TotalMilliseconds, long.MaxValue / 2);
            for (var i = 0; i < events.Count; i++)
            {
                scriptKeys[i + 2] = keys.Id(known, events[i].Event.Source, events[i].Event.Id);
            }
            payloads.CopyTo(args, 3);
            RedisResult[] reply;
            try
            {
                reply = (RedisResult[])(await db.ScriptEvaluateAsync(Scripts.Append, scriptKeys, args))!;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw Unavailable(ex);
            }
            var status = (long)reply[0];
            if (status == Scripts.Appended)
            {
                var results = new PublishResult[events.Count];
                for (var i = 0; i < results.Length; i++)
                {
                    var seq = (long)reply[i + 1];
                    results[i] = new PublishResult(Math.Abs(seq), events[i].Event.Id, Duplicate: seq < 0);
                }
                return results;
            }
            if (attempt > 0)
            {
                throw new EventLogUnavailableException($"The event stream in Redis at {where} was reset twice while publishing; nothing of this publish was kept. Retry.");
            }
            // The epoch moved on, or the stream was lost: take (or make) the new epoch, then append in it.
            LogAppendRefused(logger, status == Scripts.StreamLost ? "the stream is gone" : "the epoch changed", known);
            try
            {
                await CheckEpochAsync();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw Unavailable(ex);
            }
        }
    }

    private EventLogUnavailableException Unavailable(Exception ex) =>
        new($"Redis at {where} is unreachable ({ex.Message.TrimEnd('.')}): the events were not stored, or their answer was lost. Retry later with the same ids: a repeat is not stored twice.", ex);

    public async ValueTask<LogRead> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken = default)
    {
        long upTo;
        string known;
        lock (gate)
        {
            var last = lastSeq;
            known = epoch ?? "";
            if (afterSeq <= last && recent.TryReadAfter(afterSeq, max, last, out var events))
            {
                return new LogRead(events, Complete: true);
            }
            upTo = afterSeq > last ? -1 : (recent.Count > 0 ? recent.FirstSeq - 1 : last);
        }
        try
        {
            if (upTo < 0)
            {
                // Ahead of this node: the client saw these seqs on a node whose reader is further on. Good
                // in this epoch if Redis gave them; this node's reader brings them.
                var values = await db!.HashGetAsync(keys.Meta, ["epoch", "seq"]);
                var complete = values[0] == known && long.TryParse((string?)values[1], NumberStyles.None, CultureInfo.InvariantCulture, out var given) && afterSeq <= given;
                return new LogRead([], complete);
            }
            var page = await db!.StreamRangeAsync(keys.Stream, Id(afterSeq + 1), Id(upTo), max);
            var read = new List<LoggedEvent>(page.Length);
            foreach (var raw in page)
            {
                if (Decode(raw.Id, raw.Values) is not { } entry || entry.Epoch != known || entry.Event.Seq != afterSeq + 1 + read.Count)
                {
                    break;
                }
                read.Add(entry.Event);
            }
            // Trimmed (retention) or not this epoch's: the client starts over from a snapshot.
            return read.Count > 0 ? new LogRead(read, Complete: true) : new LogRead([], Complete: false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogReadFailed(logger, afterSeq, ex);
            return new LogRead([], Complete: false);
        }
    }

    /// <summary>
    /// Asks Redis for the epoch (making a new one when the stream is lost) and, when it is not this node's,
    /// takes it: the window starts over and the sink is told.
    /// </summary>
    /// <returns>Whether the epoch changed.</returns>
    private async Task<bool> CheckEpochAsync()
    {
        string known;
        long seen;
        lock (gate)
        {
            known = epoch!;
            seen = lastSeq;
        }
        var state = await EnsureAsync(known, seen);
        if (state.Made)
        {
            LogEpochMade(logger, state.Epoch, state.Base);
        }
        if (state.Epoch == known)
        {
            return false;
        }
        lock (sinkGate)
        {
            if (Volatile.Read(ref epoch) == known)
            {
                ResetLocked(LogResetReason.NewEpoch, state.Epoch, state.Base);
            }
        }
        return true;
    }

    private async Task<EpochState> EnsureAsync(string known, long seen)
    {
        var reply = (RedisResult[])(await db!.ScriptEvaluateAsync(
            Scripts.Ensure,
            [keys.Meta, keys.Stream],
            [known, Guid.NewGuid().ToString("N")[..16], seen]))!;
        return new EpochState((string)reply[0]!, long.Parse((string)reply[1]!, CultureInfo.InvariantCulture), long.Parse((string)reply[2]!, CultureInfo.InvariantCulture), (long)reply[3] == 1);
    }

    /// <summary>Starts over after <paramref name="after"/>, in <paramref name="newEpoch"/>; the caller holds <see cref="sinkGate"/>.</summary>
    private void ResetLocked(LogResetReason reason, string newEpoch, long after)
    {
        lock (gate)
        {
            generation++;
            epoch = newEpoch;
            Volatile.Write(ref lastSeq, after);
            recent = NewWindow();
        }
        LogReset(logger, reason, newEpoch, after);
        try
        {
            sink!.OnReset(new LogReset(newEpoch, after, reason));
        }
        catch (Exception ex)
        {
            LogSinkFailed(logger, after, ex);
        }
    }

    private async Task TrimLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TrimInterval, time);
        var ageMs = (long)Math.Min(retentionAge.TotalMilliseconds, long.MaxValue / 2);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                lock (gate)
                {
                    while (recent.RemoveExpired() is not null)
                    {
                    }
                }
                try
                {
                    // Every node trims; they agree, and the stream stays trimmed while any node runs.
                    for (var i = 0; i < 100 && (long)(await db!.ScriptEvaluateAsync(Scripts.TrimByAge, [keys.Stream], [ageMs, TrimBatch])) >= TrimBatch; i++)
                    {
                    }
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    LogTrimFailed(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal static RedisValue Id(long seq) => string.Create(CultureInfo.InvariantCulture, $"{seq}-0");

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        await stopping.CancelAsync();
        if (reading is not null)
        {
            await reading;
        }
        if (trimming is not null)
        {
            await trimming;
        }
        await CloseConnectionsAsync();
        stopping.Dispose();
    }

    private async Task CloseConnectionsAsync()
    {
        if (readerConnection is not null)
        {
            await readerConnection.DisposeAsync();
            readerConnection = null;
        }
        if (commands is not null)
        {
            await commands.DisposeAsync();
        }
    }

    private readonly record struct EpochState(string Epoch, long Base, long Seq, bool Made);
}
