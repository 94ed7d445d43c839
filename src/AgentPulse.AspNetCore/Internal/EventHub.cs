using AgentPulse.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// Publishing and fan-out. A publish hands the event to the log, which assigns its seq, commits it
/// and returns once it is committed. Fan-out is driven by the log: it hands every committed entry,
/// in seq order, to <see cref="OnCommitted"/>, which lets observers see it and offers the same bytes
/// to every connection's queue: never a wait for a socket, and never an event that is not yet
/// committed. With the in-memory and SQLite logs this runs before the publisher's append completes.
/// </summary>
internal sealed partial class EventHub : IEventPublisher, IAgentPulseConnections, IEventLogSink
{
    private readonly IEventLog log;
    private readonly IEventObserver[] observers;
    private readonly AgentPulseMetrics metrics;
    private readonly TimeProvider time;
    private readonly AgentPulseOptions options;
    private readonly ILogger<EventHub> logger;
    // Guards the connection set, lastFanOutSeq and observer calls together, so that a joining
    // connection sees an exact cut: everything up to lastFanOutSeq is in the log, everything after
    // reaches its queue.
    private readonly Lock fanOutGate = new();
    private readonly SlotSet<ServerConnection> connections = new();
    private long lastFanOutSeq;
    // The log's epoch as of lastFanOutSeq: it changes with a reset, under the gate, so a join sees both agree.
    private string epoch = "";
    private volatile bool completed;

    public EventHub(IEventLog log, IEnumerable<IEventObserver> observers, AgentPulseMetrics metrics, TimeProvider time, IOptions<AgentPulseOptions> options, ILogger<EventHub> logger)
    {
        this.log = log;
        this.observers = observers.ToArray();
        this.metrics = metrics;
        this.time = time;
        this.options = options.Value;
        this.logger = logger;
    }

    public IEventLog Log => log;

    /// <summary>The connections now joined, for heartbeats and shutdown: a copy, made again only after a join or a leave.</summary>
    public ServerConnection[] Connections
    {
        get
        {
            lock (fanOutGate)
            {
                return connections.Snapshot();
            }
        }
    }

    /// <summary>Opens the log and takes its committed entries from now on.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await log.StartAsync(this, cancellationToken);
        lock (fanOutGate)
        {
            lastFanOutSeq = Math.Max(lastFanOutSeq, log.LastSeq);
            epoch = log.Epoch;
        }
    }

    public async ValueTask<PublishResult> PublishAsync(CloudEvent cloudEvent, EventAudience audience, CancellationToken cancellationToken = default)
    {
        var results = await log.AppendAsync([new EventToAppend(Prepare(cloudEvent), audience)], cancellationToken);
        return results[0];
    }

    public ValueTask<IReadOnlyList<PublishResult>> PublishAsync(IReadOnlyList<CloudEvent> cloudEvents, EventAudience audience, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cloudEvents);
        if (cloudEvents.Count == 0)
        {
            throw new ArgumentException("A batch holds at least one event.", nameof(cloudEvents));
        }
        var batch = new EventToAppend[cloudEvents.Count];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new EventToAppend(Prepare(cloudEvents[i]), audience);
        }
        return log.AppendAsync(batch, cancellationToken);
    }

    private CloudEvent Prepare(CloudEvent cloudEvent)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        if (string.IsNullOrWhiteSpace(cloudEvent.Type))
        {
            throw new ArgumentException("An event needs a type.", nameof(cloudEvent));
        }
        if (string.IsNullOrWhiteSpace(cloudEvent.Source))
        {
            throw new ArgumentException("An event needs a source.", nameof(cloudEvent));
        }
        ObjectDisposedException.ThrowIf(completed, this);
        if (!string.IsNullOrEmpty(cloudEvent.Id) && cloudEvent.Time is not null)
        {
            return cloudEvent;
        }
        // What the producer left out is made here: an id, and the time of the publish.
        return cloudEvent with
        {
            Id = string.IsNullOrEmpty(cloudEvent.Id) ? Guid.NewGuid().ToString("N") : cloudEvent.Id,
            Time = cloudEvent.Time ?? time.GetUtcNow(),
        };
    }

    /// <summary>Stops taking events: publishing from now on throws <see cref="ObjectDisposedException"/>.</summary>
    public void Complete() => completed = true;

    /// <summary>Takes the log's committed entries, in seq order: observers first, then every connection's queue.</summary>
    public void OnCommitted(IReadOnlyList<LoggedEvent> entries)
    {
        lock (fanOutGate)
        {
            foreach (var entry in entries)
            {
                if (entry.Seq <= lastFanOutSeq)
                {
                    continue; // already handed over (a shared log's reader may overlap its start)
                }
                metrics.EventPublished();
                foreach (var observer in observers)
                {
                    try
                    {
                        observer.OnAppended(entry);
                    }
                    catch (Exception ex)
                    {
                        LogObserverFailed(logger, observer.GetType().Name, entry.Seq, ex);
                    }
                }
                lastFanOutSeq = entry.Seq;
                foreach (var connection in connections.Items)
                {
                    connection.Offer(entry);
                }
            }
        }
    }

    /// <summary>
    /// Takes the log's loss of continuity: fan-out goes on from the new position, and every connection
    /// is told to resume (a goodbye, then 1012), spread over a window, and is then told what the log can recover.
    /// </summary>
    public void OnReset(LogReset reset)
    {
        int count;
        lock (fanOutGate)
        {
            lastFanOutSeq = reset.LastSeq;
            epoch = reset.Epoch;
            count = connections.Count;
        }
        LogReset(logger, reset.Reason, reset.Epoch, reset.LastSeq, count);
        GoodbyeAll(CloseCodes.ServiceRestart, "event log reset: resume");
    }

    /// <summary>
    /// Tells every connection to come back later, then closes it with <paramref name="closeCode"/>: of
    /// n connections, the i-th waits i × window / n, where the window is n / <see cref="AgentPulseOptions.MaxUpgradesPerSecond"/>
    /// (at most <see cref="AgentPulseOptions.MaxReconnectWindow"/>): they come back at the rate a node admits.
    /// </summary>
    public void GoodbyeAll(int closeCode, string reason)
    {
        var all = Connections;
        var rate = options.MaxUpgradesPerSecond;
        var window = rate == 0 || all.Length == 0
            ? TimeSpan.Zero
            : TimeSpan.FromSeconds(Math.Min(all.Length / (double)rate, options.MaxReconnectWindow.TotalSeconds));
        for (var i = 0; i < all.Length; i++)
        {
            all[i].Goodbye(closeCode, reason, window * i / all.Length, window);
        }
    }

    /// <summary>
    /// Joins fan-out: every event after the returned seq reaches the connection's queue. When
    /// <paramref name="atCut"/> is given it runs at the same cut (for a snapshot that reflects exactly that seq).
    /// </summary>
    /// <returns>The cut: the last seq fanned out before the connection joined, and the log's epoch then.</returns>
    public JoinCut Join(ServerConnection connection, Action? atCut)
    {
        lock (fanOutGate)
        {
            atCut?.Invoke();
            connections.Add(connection);
            return new JoinCut(lastFanOutSeq, epoch);
        }
    }

    public void Leave(ServerConnection connection)
    {
        lock (fanOutGate)
        {
            connections.Remove(connection);
        }
    }

    public int Count => connections.Count;

    public IReadOnlyList<string> ConnectionIds => Array.ConvertAll(Connections, c => c.ConnectionId);

    public bool Abort(string connectionId) => Find(connectionId)?.Abort() is not null;

    public bool Close(string connectionId, int closeCode, string reason)
    {
        var connection = Find(connectionId);
        connection?.RequestClose(closeCode, reason);
        return connection is not null;
    }

    private ServerConnection? Find(string connectionId) =>
        Array.Find(Connections, c => c.ConnectionId == connectionId);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "The event log lost its continuity ({Reason}): epoch {Epoch}, going on after seq {LastSeq}; {Connections} connections told to resume")]
    private static partial void LogReset(ILogger logger, LogResetReason reason, string epoch, long lastSeq, int connections);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Event observer {Observer} failed on seq {Seq}.")]
    private static partial void LogObserverFailed(ILogger logger, string observer, long seq, Exception exception);
}

/// <summary>Where a connection joined fan-out: after <paramref name="Seq"/>, in <paramref name="Epoch"/>.</summary>
internal readonly record struct JoinCut(long Seq, string Epoch);
