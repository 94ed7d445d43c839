using System.Net.WebSockets;
using AgentPulse.Protocol;
using Microsoft.Extensions.Logging;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// One WebSocket: a receive loop for client operations (<c>ServerConnection.Receive.cs</c>) and one
/// writer (<c>ServerConnection.Send.cs</c>) fed by an <see cref="OutboundQueue"/>, run together by
/// <c>ServerConnection.Run.cs</c>. Fan-out only ever calls <see cref="Offer"/>, which never waits and
/// takes no lock. When the queue is full the writer catches up from the log; a connection that
/// falls further behind than the log retains is closed with 4008.
/// </summary>
/// <remarks>
/// Who writes what: the fields below are each written by one side only (named beside them) and read
/// with <see cref="Volatile"/> by the others; the close request is decided by one compare-and-swap.
/// </remarks>
internal sealed partial class ServerConnection : ISlotted
{
    private readonly WebSocket socket;
    private readonly FrameSink sink;
    private readonly Action abortTransport;
    private readonly EventHub hub;
    private readonly AgentPulseOptions options;
    private readonly TimeProvider time;
    private readonly AgentPulseMetrics metrics;
    private readonly ILogger logger;
    private readonly ConnectionIdentity identity;
    private readonly string? userId;
    private readonly bool seesEverything;
    private readonly OutboundQueue outbound;
    // Only for a connection that asked for conflation; used by the writer alone.
    private readonly ProgressConflator? conflator;

    // Written by the receive loop, read by fan-out.
    private volatile TypePatternSet filter;
    // Written by the writer: the highest seq it has handled (sent, or passed over by the filter); set once
    // before the writer starts, by RunAsync. Fan-out reads it to tell how far behind the connection is; a heartbeat carries it.
    private long position;
    // Written by the writer and the heartbeat scan: when something last went out.
    private long lastSendTimestamp;

    // The close: the first request sets the code (compare-and-swap) and cancels `closing`.
    private int closeCode;
    private string closeReason = "";
    private readonly CancellationTokenSource closing = new();
    private CancellationTokenSource? closeDeadline;
    private bool finished;

    private readonly IDisposable place;

    public ServerConnection(WebSocket socket, FrameSink sink, Action abortTransport, EventHub hub, AgentPulseOptions options, TimeProvider time, AgentPulseMetrics metrics, ILogger logger, ConnectionIdentity identity, IReadOnlyList<TypePattern> initialPatterns, IDisposable place, int? conflatePerSecond = null)
    {
        this.socket = socket;
        this.sink = sink;
        this.abortTransport = abortTransport;
        this.hub = hub;
        this.options = options;
        this.time = time;
        this.metrics = metrics;
        this.logger = logger;
        this.identity = identity;
        userId = identity.UserId;
        seesEverything = !identity.Required;
        tokenExpiresAt = identity.ExpiresAt;
        this.place = place;
        filter = new TypePatternSet(initialPatterns);
        outbound = new OutboundQueue(options.SendQueueCapacity, controlBytes: options.MaxControlQueueBytes);
        if (conflatePerSecond is { } perSecond)
        {
            conflator = new ProgressConflator(TimeSpan.FromSeconds(1.0 / perSecond), options.SendQueueCapacity, time);
        }
        ConnectionId = Guid.NewGuid().ToString("N")[..12];
        lastSendTimestamp = time.GetTimestamp();
        invalidWindowStart = lastSendTimestamp;
    }

    public string ConnectionId { get; }

    /// <summary>Its index in fan-out's set (-1 when not joined); the hub's, under its lock.</summary>
    public int Slot { get; set; } = -1;

    /// <summary>Called by fan-out for every event, under its lock: filter, then queue without waiting.</summary>
    public void Offer(LoggedEvent entry)
    {
        if (!Sees(entry) || Volatile.Read(ref closeCode) != 0 || outbound.TryEnqueueEvent(entry))
        {
            return;
        }
        var at = Volatile.Read(ref position);
        if (entry.Seq - at > options.LogRetentionCount || at + 1 < hub.Log.FirstRetainedSeq)
        {
            // So far behind that the log will not hold what it missed: drop it, it resumes or reloads.
            Overflow();
        }
        else
        {
            outbound.MarkOverflow();
        }
    }

    private bool Sees(LoggedEvent entry)
    {
        if (!seesEverything && entry.Audience.UserId is { } owner && owner != userId)
        {
            return false;
        }
        return filter.Matches(entry.Type);
    }

    /// <summary>Queues a heartbeat when nothing was sent for <paramref name="interval"/>.</summary>
    public void HeartbeatIfIdle(long now, TimeSpan interval)
    {
        if (time.GetElapsedTime(Volatile.Read(ref lastSendTimestamp), now) >= interval)
        {
            // Counts as a send at once, so that a slow writer does not get one per scan.
            Volatile.Write(ref lastSendTimestamp, now);
            outbound.TryEnqueueControl(ControlItem.HeartbeatItem);
        }
    }

    /// <summary>Queues a control frame (an ack, a pong, an error); a connection whose control queue is full is a slow consumer.</summary>
    private void SendControl(byte[] frame)
    {
        if (!outbound.TryEnqueueControl(new ControlItem(frame)) && Volatile.Read(ref closeCode) == 0)
        {
            Overflow();
        }
    }

    private void Overflow()
    {
        if (RequestClose(CloseCodes.SlowConsumer, "slow consumer: resume with after"))
        {
            metrics.QueueOverflowed();
            LogOverflow(logger, ConnectionId, options.SendQueueCapacity);
        }
    }

    /// <summary>
    /// Asks the writer to stop sending and close with <paramref name="code"/>; the first request wins.
    /// If the close handshake has not finished within the close timeout, the socket is aborted.
    /// </summary>
    /// <returns>Whether this request is the one that closes.</returns>
    public bool RequestClose(int code, string reason)
    {
        if (Interlocked.CompareExchange(ref closeCode, code, 0) != 0)
        {
            return false;
        }
        closeReason = reason;
        outbound.Complete();
        try
        {
            closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        return true;
    }

    /// <summary>Closes after the frames already queued (errors, pongs) have gone out.</summary>
    private void CloseAfterQueued(int code, string reason)
    {
        closingAfterQueued = true;
        if (!outbound.TryEnqueueControl(ControlItem.CloseItem(code, reason)))
        {
            RequestClose(code, reason);
        }
    }

    /// <summary>Drops the socket without a close frame, as a network failure would.</summary>
    public ServerConnection Abort()
    {
        RequestClose(CloseCodes.Abnormal, "aborted");
        AbortTransport();
        return this;
    }

    /// <summary>Drops the TCP connection (or HTTP/2 stream) itself: the socket and everything waiting on it end at once.</summary>
    private void AbortTransport()
    {
        if (Volatile.Read(ref finished))
        {
            return; // the request is over; its context may be reused already
        }
        socket.Abort();
        try
        {
            abortTransport();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
