using System.Net.WebSockets;

namespace AgentPulse.Client.Internal;

/// <summary>
/// One open socket and what its loops share: the receive loop, the send loop, and the watchdog timer
/// that drops the socket when the server has been silent for too long.
/// </summary>
internal sealed class Connection : IDisposable
{
    private readonly TimeProvider time;
    private readonly CancellationTokenSource abort = new();
    private readonly CancellationTokenSource sendStop = new();
    private readonly ITimer watchdog;
    private CancellationTokenSource? abortTimer;
    private ITimer? refreshTimer;
    private string? pendingToken;
    private long lastFrame;
    private long timeoutTicks;
    private Expiry? expired;
    private Task? closing;
    private volatile bool disposed;
    private volatile bool welcomed;
    private long frames;
    private readonly Lock armGate = new();
    private readonly Lock closeGate = new();
    private bool probing;
    private long probeStart;
    private long probeFrames;
    private TimeSpan probeTimeout;

    /// <param name="socket">The open socket.</param>
    /// <param name="time">The clock.</param>
    /// <param name="welcomeTimeout">How long the welcome may take; <see cref="SetTimeout"/> replaces it with the heartbeat timeout.</param>
    public Connection(WebSocket socket, TimeProvider time, TimeSpan welcomeTimeout)
    {
        Socket = socket;
        this.time = time;
        lastFrame = time.GetTimestamp();
        timeoutTicks = welcomeTimeout.Ticks;
        // A timer rather than a loop of delays: re-arming it is synchronous, so a shorter timeout
        // (the heartbeat's, after the welcome) takes effect at once.
        watchdog = time.CreateTimer(static state => ((Connection)state!).OnWatchdog(), this, welcomeTimeout, System.Threading.Timeout.InfiniteTimeSpan);
    }

    public WebSocket Socket { get; }

    /// <summary>Cancelled when the socket is dropped without a handshake (silence, close timeout).</summary>
    public CancellationToken Aborted => abort.Token;

    /// <summary>Cancelled when the send loop must end.</summary>
    public CancellationToken SendStopped => sendStop.Token;

    /// <summary>Whether the welcome has arrived (only the receive loop writes it).</summary>
    public bool Welcomed
    {
        get => welcomed;
        set => welcomed = value;
    }

    /// <summary>Set between a welcome with <c>recovered:false</c> and its snapshot.</summary>
    public ResyncReason? ExpectedResync { get; set; }

    /// <summary>Why the watchdog dropped the connection; <c>null</c> unless it did.</summary>
    public Expiry? Expired => Volatile.Read(ref expired);

    private TimeSpan Timeout => TimeSpan.FromTicks(Volatile.Read(ref timeoutTicks));

    /// <summary>From now on, the connection is dropped after <paramref name="timeout"/> without a frame.</summary>
    public void SetTimeout(TimeSpan timeout)
    {
        Volatile.Write(ref timeoutTicks, timeout.Ticks);
        Check();
    }

    /// <summary>
    /// Asks for proof of life: unless some frame arrives within <paramref name="within"/> (the caller
    /// sends a ping, which the server answers), the connection is dropped.
    /// </summary>
    public void Probe(TimeSpan within)
    {
        lock (armGate)
        {
            probing = true;
            probeStart = time.GetTimestamp();
            probeFrames = Volatile.Read(ref frames);
            probeTimeout = within;
        }
        Check();
    }

    private void OnWatchdog() => Check();

    /// <summary>Drops the connection if a deadline has passed; otherwise sets the timer for the nearest one.</summary>
    private void Check()
    {
        if (disposed)
        {
            return;
        }
        Expiry? expiry = null;
        lock (armGate)
        {
            var timeout = Timeout;
            var next = timeout - time.GetElapsedTime(LastFrame);
            if (next <= TimeSpan.Zero)
            {
                expiry = Welcomed
                    ? new Expiry(DisconnectReason.HeartbeatTimeout, $"no frame from the server for {timeout.TotalSeconds:0.###} s")
                    : new Expiry(DisconnectReason.ConnectTimeout, $"no welcome within {timeout.TotalSeconds:0.###} s");
            }
            else if (probing)
            {
                if (Volatile.Read(ref frames) != probeFrames)
                {
                    probing = false; // answered
                }
                else
                {
                    var left = probeTimeout - time.GetElapsedTime(probeStart);
                    if (left <= TimeSpan.Zero)
                    {
                        expiry = new Expiry(DisconnectReason.LivenessCheckFailed, $"no answer to a liveness check within {probeTimeout.TotalSeconds:0.###} s");
                    }
                    else if (left < next)
                    {
                        next = left;
                    }
                }
            }
            if (expiry is null)
            {
                try
                {
                    watchdog.Change(next, System.Threading.Timeout.InfiniteTimeSpan);
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }
        if (expiry is not null)
        {
            Interlocked.CompareExchange(ref expired, expiry, null);
            Abort();
        }
    }

    private long LastFrame => Volatile.Read(ref lastFrame);

    /// <summary>A new access token for the send loop to send (<c>authenticate</c>); it takes it once.</summary>
    public string? PendingToken
    {
        get => Volatile.Read(ref pendingToken);
        set => Volatile.Write(ref pendingToken, value);
    }

    /// <summary>Takes <see cref="PendingToken"/>, leaving none.</summary>
    public string? TakePendingToken() => Interlocked.Exchange(ref pendingToken, null);

    /// <summary>Runs <paramref name="refresh"/> after <paramref name="wait"/> (replacing any earlier one), unless the connection ends first.</summary>
    public void ScheduleRefresh(TimeSpan wait, Action refresh)
    {
        lock (armGate)
        {
            if (disposed)
            {
                return;
            }
            refreshTimer?.Dispose();
            refreshTimer = time.CreateTimer(static state => ((Action)state!)(), refresh, wait, System.Threading.Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Any frame, or part of one, proves the server alive (called by the receive loop only).</summary>
    public void Touch()
    {
        Volatile.Write(ref lastFrame, time.GetTimestamp());
        Volatile.Write(ref frames, frames + 1);
    }

    public void Abort()
    {
        try
        {
            abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        Socket.Abort();
    }

    /// <summary>Drops the socket if it is still open after <paramref name="timeout"/> (for the close handshake).</summary>
    public void AbortAfter(TimeSpan timeout)
    {
        abortTimer = new CancellationTokenSource(timeout, time);
        abortTimer.Token.Register(static state => ((Connection)state!).Abort(), this);
    }

    public void StopSending() => sendStop.Cancel();

    /// <summary>
    /// Sends the close frame, once: the first call's code wins, later calls get the same task. The frame is
    /// handed to the socket before this returns (a page's <c>pagehide</c> handler relies on it). Never throws:
    /// a socket that is already gone has nothing to close.
    /// </summary>
    public Task CloseOutputAsync(WebSocketCloseStatus status, string? description)
    {
        lock (closeGate)
        {
            return closing ??= CloseCoreAsync(status, description);
        }
    }

    private async Task CloseCoreAsync(WebSocketCloseStatus status, string? description)
    {
        try
        {
            await Socket.CloseOutputAsync(status, description, Aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (SocketErrors.IsGone(ex) || ex is InvalidOperationException)
        {
        }
    }

    public void StopWatchdog()
    {
        lock (armGate)
        {
            disposed = true;
            refreshTimer?.Dispose();
        }
        watchdog.Dispose();
    }

    public void Dispose()
    {
        StopWatchdog();
        abortTimer?.Dispose();
        abort.Dispose();
        sendStop.Dispose();
        Socket.Dispose();
    }
}

/// <summary>Why the watchdog dropped a connection, with the words for the exception.</summary>
internal sealed record Expiry(DisconnectReason Reason, string Message);
