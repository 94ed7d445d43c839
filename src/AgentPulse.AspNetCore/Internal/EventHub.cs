using AgentPulse.Protocol;
using Microsoft.Extensions.Logging;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// The sequencer and fan-out. A publish appends the event to the log (which assigns its seq and
/// serializes it once), lets observers see it, and offers the same bytes to every connection's
/// queue, in seq order, on the publisher's own thread: no hand-off, and never a wait for a socket.
/// Publishers are ordered by one short critical section; offering to a queue takes no lock.
/// </summary>
internal sealed partial class EventHub : IEventPublisher, IAgentPulseConnections
{
    private readonly SemaphoreSlim sequencer = new(1, 1);
    private readonly IEventLog log;
    private readonly IEventObserver[] observers;
    private readonly AgentPulseMetrics metrics;
    private readonly TimeProvider time;
    private readonly ILogger<EventHub> logger;
    // Guards the connection set, lastFanOutSeq and observer calls together, so that a joining
    // connection sees an exact cut: everything up to lastFanOutSeq is in the log, everything after
    // reaches its queue.
    private readonly Lock fanOutGate = new();
    private ServerConnection[] connections = [];
    private long lastFanOutSeq;
    private volatile bool completed;

    public EventHub(IEventLog log, IEnumerable<IEventObserver> observers, AgentPulseMetrics metrics, TimeProvider time, ILogger<EventHub> logger)
    {
        this.log = log;
        this.observers = observers.ToArray();
        this.metrics = metrics;
        this.time = time;
        this.logger = logger;
        lastFanOutSeq = log.LastSeq;
    }

    public IEventLog Log => log;

    /// <summary>The connections now joined, for heartbeats and shutdown.</summary>
    public ReadOnlySpan<ServerConnection> Connections => Volatile.Read(ref connections);

    public ValueTask<PublishResult> PublishAsync(CloudEvent cloudEvent, EventAudience audience, CancellationToken cancellationToken = default)
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
        if (string.IsNullOrEmpty(cloudEvent.Id) || cloudEvent.Time is null)
        {
            // What the producer left out is made here: an id, and the time of the publish.
            cloudEvent = cloudEvent with
            {
                Id = string.IsNullOrEmpty(cloudEvent.Id) ? Guid.NewGuid().ToString("N") : cloudEvent.Id,
                Time = cloudEvent.Time ?? time.GetUtcNow(),
            };
        }
        // The common case, an in-memory log and no other publisher in the way, completes here
        // synchronously: no allocation for a task, no thread hop.
        if (sequencer.Wait(0))
        {
            var released = false;
            try
            {
                var append = log.AppendAsync(cloudEvent, audience, cancellationToken);
                if (append.IsCompletedSuccessfully)
                {
                    var result = Sequenced(append.Result);
                    released = true;
                    sequencer.Release();
                    return ValueTask.FromResult(result);
                }
                released = true;
                return FinishAppendAsync(append);
            }
            finally
            {
                if (!released)
                {
                    sequencer.Release();
                }
            }
        }
        return PublishSlowAsync(cloudEvent, audience, cancellationToken);
    }

    private async ValueTask<PublishResult> FinishAppendAsync(ValueTask<(LoggedEvent Entry, bool Duplicate)> append)
    {
        try
        {
            return Sequenced(await append);
        }
        finally
        {
            sequencer.Release();
        }
    }

    private async ValueTask<PublishResult> PublishSlowAsync(CloudEvent cloudEvent, EventAudience audience, CancellationToken cancellationToken)
    {
        await sequencer.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(completed, this);
            return Sequenced(await log.AppendAsync(cloudEvent, audience, cancellationToken));
        }
        finally
        {
            sequencer.Release();
        }
    }

    private PublishResult Sequenced((LoggedEvent Entry, bool Duplicate) appended)
    {
        var (entry, duplicate) = appended;
        if (!duplicate)
        {
            metrics.EventPublished();
            FanOut(entry);
        }
        return new PublishResult(entry.Seq, entry.Event.Id, duplicate);
    }

    /// <summary>Stops taking events: publishing from now on throws <see cref="ObjectDisposedException"/>.</summary>
    public void Complete() => completed = true;

    private void FanOut(LoggedEvent entry)
    {
        lock (fanOutGate)
        {
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
            foreach (var connection in connections)
            {
                connection.Offer(entry);
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
            connections = [.. connections, connection];
            return lastFanOutSeq;
        }
    }

    public void Leave(ServerConnection connection)
    {
        lock (fanOutGate)
        {
            var index = Array.IndexOf(connections, connection);
            if (index < 0)
            {
                return;
            }
            connections = [.. connections.AsSpan(0, index), .. connections.AsSpan(index + 1)];
        }
    }

    public int Count => Volatile.Read(ref connections).Length;

    public IReadOnlyList<string> ConnectionIds => Array.ConvertAll(Volatile.Read(ref connections), c => c.ConnectionId);

    public bool Abort(string connectionId) => Find(connectionId)?.Abort() is not null;

    public bool Close(string connectionId, int closeCode, string reason)
    {
        var connection = Find(connectionId);
        connection?.RequestClose(closeCode, reason);
        return connection is not null;
    }

    private ServerConnection? Find(string connectionId) =>
        Array.Find(Volatile.Read(ref connections), c => c.ConnectionId == connectionId);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Event observer {Observer} failed on seq {Seq}.")]
    private static partial void LogObserverFailed(ILogger logger, string observer, long seq, Exception exception);
}
