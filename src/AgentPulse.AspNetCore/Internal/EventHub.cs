using AgentPulse.Protocol;
using Microsoft.Extensions.Logging;

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
    private readonly ILogger<EventHub> logger;
    // Guards the connection set, lastFanOutSeq and observer calls together, so that a joining
    // connection sees an exact cut: everything up to lastFanOutSeq is in the log, everything after
    // reaches its queue.
    private readonly Lock fanOutGate = new();
    private readonly SlotSet<ServerConnection> connections = new();
    private long lastFanOutSeq;
    private volatile bool completed;

    public EventHub(IEventLog log, IEnumerable<IEventObserver> observers, AgentPulseMetrics metrics, TimeProvider time, ILogger<EventHub> logger)
    {
        this.log = log;
        this.observers = observers.ToArray();
        this.metrics = metrics;
        this.time = time;
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
    /// Joins fan-out: every event after the returned seq reaches the connection's queue. When
    /// <paramref name="atCut"/> is given it runs at the same cut (for a snapshot that reflects exactly that seq).
    /// </summary>
    public long Join(ServerConnection connection, Action? atCut)
    {
        lock (fanOutGate)
        {
            atCut?.Invoke();
            connections.Add(connection);
            return lastFanOutSeq;
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

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Event observer {Observer} failed on seq {Seq}.")]
    private static partial void LogObserverFailed(ILogger logger, string observer, long seq, Exception exception);
}
