using System.Threading.Channels;
using AgentPulse.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// The sequencer and fan-out. Publishers write to a channel and never wait for a socket; one loop
/// appends each event to the log (which assigns its seq and serializes it once), lets observers see
/// it, and offers the same bytes to every connection's bounded queue, in seq order.
/// </summary>
internal sealed partial class EventHub : IEventPublisher, IAgentPulseConnections
{
    private readonly Channel<PublishRequest> requests;
    private readonly IEventLog log;
    private readonly IEventObserver[] observers;
    private readonly AgentPulseMetrics metrics;
    private readonly ILogger<EventHub> logger;
    // Guards the connection set, lastFanOutSeq and observer calls together, so that a joining
    // connection sees an exact cut: everything up to lastFanOutSeq is in the log, everything after
    // reaches its queue. Only the sequencer and joins/leaves take it; publishers never do.
    private readonly Lock fanOutGate = new();
    private ServerConnection[] connections = [];
    private long lastFanOutSeq;

    public EventHub(IEventLog log, IEnumerable<IEventObserver> observers, IOptions<AgentPulseOptions> options, AgentPulseMetrics metrics, ILogger<EventHub> logger)
    {
        this.log = log;
        this.observers = observers.ToArray();
        this.metrics = metrics;
        this.logger = logger;
        lastFanOutSeq = log.LastSeq;
        requests = Channel.CreateBounded<PublishRequest>(new BoundedChannelOptions(options.Value.PublishQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
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
        if (string.IsNullOrEmpty(cloudEvent.Id))
        {
            cloudEvent = cloudEvent with { Id = Guid.NewGuid().ToString("N") };
        }
        var request = new PublishRequest(cloudEvent, audience);
        if (!requests.Writer.TryWrite(request))
        {
            return WaitAndPublishAsync(request, cancellationToken);
        }
        return new ValueTask<PublishResult>(request.Task);
    }

    private async ValueTask<PublishResult> WaitAndPublishAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        await requests.Writer.WriteAsync(request, cancellationToken);
        return await request.Task;
    }

    /// <summary>The sequencer loop; runs until the channel is completed.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = requests.Reader;
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            while (reader.TryRead(out var request))
            {
                try
                {
                    var (entry, duplicate) = await log.AppendAsync(request.Event, request.Audience, cancellationToken);
                    if (!duplicate)
                    {
                        metrics.EventPublished();
                        FanOut(entry);
                    }
                    request.SetResult(new PublishResult(entry.Seq, entry.Event.Id, duplicate));
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    LogAppendFailed(logger, request.Event.Type, ex);
                    request.SetException(ex);
                }
            }
        }
    }

    /// <summary>Stops taking events; pending publishes fail.</summary>
    public void Complete()
    {
        requests.Writer.TryComplete();
        while (requests.Reader.TryRead(out var request))
        {
            request.SetException(new ObjectDisposedException(nameof(EventHub), "The server is shutting down."));
        }
    }

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
            var next = new ServerConnection[connections.Length - 1];
            Array.Copy(connections, 0, next, 0, index);
            Array.Copy(connections, index + 1, next, index, connections.Length - index - 1);
            connections = next;
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

    private sealed class PublishRequest(CloudEvent cloudEvent, EventAudience audience)
        : TaskCompletionSource<PublishResult>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public CloudEvent Event { get; } = cloudEvent;

        public EventAudience Audience { get; } = audience;
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Error, Message = "Appending an event of type {Type} to the log failed.")]
    private static partial void LogAppendFailed(ILogger logger, string type, Exception exception);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Event observer {Observer} failed on seq {Seq}.")]
    private static partial void LogObserverFailed(ILogger logger, string observer, long seq, Exception exception);
}
