using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore.Internal;

internal sealed partial class ServerConnection
{
    // A timer's longest wait; a later expiry is re-checked when it fires.
    private static readonly TimeSpan LongestExpiryWait = TimeSpan.FromDays(7);

    private readonly Lock expiryGate = new();
    // Written by the receive loop (a refresh) under expiryGate; read by the writer (the welcome) and the timer.
    private DateTimeOffset? tokenExpiresAt;
    private ITimer? expiryTimer;

    /// <summary>Seconds until the token expires (never negative); <c>null</c> when it does not.</summary>
    private long? TokenExpiresInSeconds()
    {
        lock (expiryGate)
        {
            return SecondsLeft(tokenExpiresAt);
        }
    }

    private long? SecondsLeft(DateTimeOffset? expiresAt) =>
        expiresAt is { } at ? Math.Max(0, (long)Math.Floor((at - time.GetUtcNow()).TotalSeconds)) : null;

    /// <summary>Starts the clock of the token: when it runs out, the connection is closed with 4001.</summary>
    private void ArmExpiry()
    {
        lock (expiryGate)
        {
            if (tokenExpiresAt is null)
            {
                return;
            }
            expiryTimer ??= time.CreateTimer(static state => ((ServerConnection)state!).OnExpiryTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            var left = tokenExpiresAt.Value - time.GetUtcNow();
            expiryTimer.Change(left <= TimeSpan.Zero ? TimeSpan.Zero : left < LongestExpiryWait ? left : LongestExpiryWait, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnExpiryTimer()
    {
        bool expired;
        lock (expiryGate)
        {
            expired = tokenExpiresAt is { } at && at <= time.GetUtcNow();
        }
        if (!expired)
        {
            // Refreshed meanwhile, or a wait longer than one timer's: set it again.
            ArmExpiry();
            return;
        }
        if (RequestClose(CloseCodes.Unauthorized, "token expired"))
        {
            LogTokenExpired(logger, ConnectionId);
        }
    }

    private void DisarmExpiry()
    {
        lock (expiryGate)
        {
            expiryTimer?.Dispose();
            expiryTimer = null;
            tokenExpiresAt = null;
        }
    }

    /// <summary>
    /// The <c>authenticate</c> op: a new token for the same user, checked as the handshake's was, replaces the
    /// connection's and moves its expiry (answered by <c>session.authenticated</c>). A refused one is a bad
    /// frame (<c>session.error</c> <c>unauthorized</c>, counted toward the flood limit); the connection keeps
    /// its token, and still ends with 4001 when that one expires.
    /// </summary>
    private async ValueTask AuthenticateAsync(string? token, CancellationToken requestAborted)
    {
        var check = await identity.CheckAsync(token, requestAborted);
        if (check.Problem is { } problem)
        {
            LogRefreshRefused(logger, ConnectionId, problem);
            Invalid(ErrorCodes.Unauthorized, problem);
            return;
        }
        long? secondsLeft;
        lock (expiryGate)
        {
            if (Volatile.Read(ref finished) || Volatile.Read(ref closeCode) != 0)
            {
                return; // too late: the connection is closing
            }
            tokenExpiresAt = check.ExpiresAt;
            secondsLeft = SecondsLeft(tokenExpiresAt);
            expiryTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        ArmExpiry();
        LogRefreshed(logger, ConnectionId, secondsLeft);
        SendControl(Frames.Authenticated(secondsLeft));
    }
}
