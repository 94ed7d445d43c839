using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text.Json;
using System.Threading.Channels;
using AgentPulse.Protocol;
using Microsoft.Extensions.Logging;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// One WebSocket: a receive loop for client operations and one writer fed by a bounded queue.
/// Fan-out only ever calls <see cref="Offer"/>, which never waits and takes no lock: the event
/// queue is lock-free, and the writer is woken once per batch, not once per event. When the queue
/// is full the writer catches up from the log; a connection that falls further behind than the
/// log retains is closed with 4008. Control frames (acks, pongs, errors, heartbeats) have a small
/// queue of their own.
/// </summary>
internal sealed partial class ServerConnection
{
    private readonly WebSocket socket;
    private readonly BatchingStream? batching;
    private readonly Action abortTransport;
    private CancellationTokenSource? closeDeadline;
    private bool finished;
    private readonly EventHub hub;
    private readonly AgentPulseOptions options;
    private readonly TimeProvider time;
    private readonly AgentPulseMetrics metrics;
    private readonly ILogger logger;
    private const int ControlQueueCapacity = 256;
    // Made on the first event, so that a connection that never got one holds no queue.
    private ConcurrentQueue<LoggedEvent>? events;
    private int queued; // events in `events`: the bound is SendQueueCapacity
    private readonly Channel<Outbound> control;
    private readonly WakeSignal wake = new();
    private int wakePending; // 1 while a wake is on its way to the writer
    private readonly string? userId;
    private readonly bool seesEverything;
    private readonly Lock subscriptionGate = new();
    private readonly CancellationTokenSource closing = new();
    private volatile TypePattern[] patterns;
    private volatile bool wantsEverything;
    private int closeCode; // 0 until a close is requested
    private bool closingAfterQueued; // the receive loop's own flag: ignore what the client sends next
    private string closeReason = "";
    private long lastSendTimestamp;
    // The highest seq the writer has handled (sent, or passed over by the filter). Fan-out reads it
    // to tell how far behind the connection is.
    private long position;
    // Bumped by fan-out each time the queue was full; the writer then catches up from the log,
    // which holds every event anyway, so a burst costs this connection no memory of its own.
    private long overflowMark;
    private long handledMark;
    private int invalidFrames;
    private long invalidWindowStart;

    public ServerConnection(WebSocket socket, BatchingStream? batching, Action abortTransport, EventHub hub, AgentPulseOptions options, TimeProvider time, AgentPulseMetrics metrics, ILogger logger, ClaimsPrincipal user, IReadOnlyList<TypePattern> initialPatterns)
    {
        this.socket = socket;
        this.batching = batching;
        this.abortTransport = abortTransport;
        this.hub = hub;
        this.options = options;
        this.time = time;
        this.metrics = metrics;
        this.logger = logger;
        userId = UserIds.Of(user);
        seesEverything = !options.RequireAuthentication;
        patterns = [.. initialPatterns];
        wantsEverything = patterns.Any(p => p.IsAll);
        ConnectionId = Guid.NewGuid().ToString("N")[..12];
        control = Channel.CreateBounded<Outbound>(new BoundedChannelOptions(ControlQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: that is the overflow signal
        });
        lastSendTimestamp = time.GetTimestamp();
        invalidWindowStart = lastSendTimestamp;
    }

    public string ConnectionId { get; }

    /// <summary>Called by fan-out for every event, under its lock: filter, then queue without waiting.</summary>
    public void Offer(LoggedEvent entry)
    {
        if (!Sees(entry))
        {
            return;
        }
        if (Volatile.Read(ref closeCode) != 0)
        {
            return;
        }
        if (Volatile.Read(ref queued) < options.SendQueueCapacity)
        {
            Interlocked.Increment(ref queued);
            // Only fan-out (one publisher at a time) enqueues, so making the queue here needs no lock.
            var queue = events;
            if (queue is null)
            {
                queue = new ConcurrentQueue<LoggedEvent>();
                Volatile.Write(ref events, queue);
            }
            queue.Enqueue(entry);
            Wake();
            return;
        }
        if (entry.Seq - Volatile.Read(ref position) > options.LogRetentionCount)
        {
            // So far behind that the log will not hold what it missed: drop it, it resumes or reloads.
            Overflow();
        }
        else
        {
            Interlocked.Increment(ref overflowMark);
            Wake();
        }
    }

    private void Wake()
    {
        if (Volatile.Read(ref wakePending) == 0 && Interlocked.Exchange(ref wakePending, 1) == 0)
        {
            wake.Set();
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

    private bool Sees(LoggedEvent entry)
    {
        if (!seesEverything && entry.Audience.UserId is { } owner && owner != userId)
        {
            return false;
        }
        return wantsEverything || TypePattern.AnyMatches(patterns, entry.Type);
    }

    /// <summary>Queues a heartbeat when nothing was sent for <paramref name="interval"/>.</summary>
    public void HeartbeatIfIdle(long now, TimeSpan interval)
    {
        if (time.GetElapsedTime(Volatile.Read(ref lastSendTimestamp), now) >= interval)
        {
            // Counts as a send at once, so that a slow writer does not get one per scan.
            Volatile.Write(ref lastSendTimestamp, now);
            // Its seq is written by the writer as it sends it: the position of this connection, so
            // that a client may resume from it without skipping an event still on its way.
            if (control.Writer.TryWrite(new Outbound(null, Heartbeat: true)))
            {
                Wake();
            }
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
        control.Writer.TryComplete();
        wake.Close();
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
        if (control.Writer.TryWrite(new Outbound(null, code, reason)))
        {
            Wake();
        }
        else
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

    /// <summary>Drops the TCP connection itself: the socket and everything waiting on it end at once.</summary>
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

    private void SendControl(byte[] frame)
    {
        if (control.Writer.TryWrite(new Outbound(frame)))
        {
            Wake();
        }
        else if (Volatile.Read(ref closeCode) == 0)
        {
            Overflow();
        }
    }

    /// <summary>A control frame, a heartbeat (made when sent), or (with neither) a request to close once the frames before it are out.</summary>
    private readonly record struct Outbound(byte[]? Frame, int CloseCode = 0, string? CloseReason = null, bool Heartbeat = false);
}
