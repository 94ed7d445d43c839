using System.Net.WebSockets;

namespace AgentPulse.Client.Internal;

/// <summary>
/// One open socket and what its three loops share: the receive loop, the send loop and the watchdog
/// that drops it when the server has been silent for too long.
/// </summary>
internal sealed class Connection(WebSocket socket, TimeProvider time, TimeSpan welcomeTimeout) : IDisposable
{
    private readonly CancellationTokenSource abort = new();
    private readonly CancellationTokenSource sendStop = new();
    private readonly CancellationTokenSource watchdogStop = new();
    private CancellationTokenSource? abortTimer;
    private long lastFrame = time.GetTimestamp();
    private long timeoutTicks = welcomeTimeout.Ticks;
    private string? expiredReason;

    public WebSocket Socket { get; } = socket;

    /// <summary>Cancelled when the socket is dropped without a handshake (silence, close timeout).</summary>
    public CancellationToken Aborted => abort.Token;

    /// <summary>Cancelled when the send loop must end.</summary>
    public CancellationToken SendStopped => sendStop.Token;

    public CancellationToken WatchdogStopped => watchdogStop.Token;

    /// <summary>Whether the welcome has arrived (only the receive loop writes it).</summary>
    public bool Welcomed { get; set; }

    /// <summary>The server's connection id, from the welcome.</summary>
    public string? ConnectionId { get; set; }

    /// <summary>Set between a welcome with <c>recovered:false</c> and its snapshot.</summary>
    public ResyncReason? ExpectedResync { get; set; }

    /// <summary>Why the watchdog dropped the connection; <c>null</c> unless it did.</summary>
    public string? ExpiredReason => Volatile.Read(ref expiredReason);

    public TimeSpan Timeout
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref timeoutTicks));
        set => Volatile.Write(ref timeoutTicks, value.Ticks);
    }

    public long LastFrame => Volatile.Read(ref lastFrame);

    /// <summary>Any frame, or part of one, proves the server alive.</summary>
    public void Touch() => Volatile.Write(ref lastFrame, time.GetTimestamp());

    /// <summary>Drops the socket at once because the server fell silent.</summary>
    public void Expire(string reason)
    {
        Interlocked.CompareExchange(ref expiredReason, reason, null);
        Abort();
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

    public void StopWatchdog() => watchdogStop.Cancel();

    public void Dispose()
    {
        abortTimer?.Dispose();
        abort.Dispose();
        sendStop.Dispose();
        watchdogStop.Dispose();
        Socket.Dispose();
    }
}
