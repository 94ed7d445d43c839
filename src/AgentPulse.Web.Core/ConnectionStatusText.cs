using System.Globalization;

namespace AgentPulse.Web;

/// <summary>What the connection indicator says: the client's typed status in a person's words.</summary>
public static class ConnectionStatusText
{
    /// <summary>
    /// The text for <paramref name="status"/>: "Connected"; "Connecting…"; "Reconnecting, attempt 2 of 5, next in 3 s";
    /// "Disconnected: the server could not be reached (gave up after 5 attempts)".
    /// </summary>
    /// <param name="status">The status.</param>
    /// <param name="maxAttempts">The attempts before giving up; <c>null</c> for no limit.</param>
    /// <param name="untilNextAttempt">The time left before the next attempt; <c>null</c> when not waiting.</param>
    public static string Describe(ConnectionStatus status, int? maxAttempts, TimeSpan? untilNextAttempt)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.State switch
        {
            ConnectionState.Connected => "Connected",
            ConnectionState.Connecting when status.Attempt == 0 => "Connecting…",
            ConnectionState.Connecting => "Connecting, " + Attempt(status.Attempt, maxAttempts, untilNextAttempt),
            ConnectionState.Reconnecting when status.Attempt == 0 => "Reconnecting…",
            ConnectionState.Reconnecting => "Reconnecting, " + Attempt(status.Attempt, maxAttempts, untilNextAttempt),
            ConnectionState.Disconnected when status.Reason is not { } reason => "Disconnected",
            ConnectionState.Disconnected => "Disconnected: " + Why(status.Reason.Value, status.CloseCode) + GaveUp(status),
            _ => "Closed",
        };
    }

    /// <summary>
    /// The status a page shows: a client that has not begun yet (Disconnected, with no reason and no attempt) is
    /// shown as Connecting, since the page starts its client before the first render. So the first thing a person
    /// sees is "Connecting…", never a red "Disconnected" that flashes away.
    /// </summary>
    public static ConnectionStatus Shown(ConnectionStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status is { State: ConnectionState.Disconnected, Reason: null, Attempt: 0, GaveUp: false }
            ? new ConnectionStatus(ConnectionState.Connecting)
            : status;
    }

    /// <summary>
    /// Why the connection is down, in a person's words (never the exception's message: in the browser it is a bare
    /// resource key such as <c>net_webstatus_ConnectFailure</c>, which says nothing to a person).
    /// </summary>
    public static string Why(DisconnectReason reason, int? closeCode = null) => reason switch
    {
        DisconnectReason.ConnectFailed or DisconnectReason.ConnectTimeout => "the server could not be reached",
        DisconnectReason.Unauthorized => "unauthorized",
        DisconnectReason.HeartbeatTimeout or DisconnectReason.LivenessCheckFailed => "the server stopped answering",
        DisconnectReason.ConnectionLost => "the connection was lost",
        DisconnectReason.ClosedByServer => "closed by the server",
        DisconnectReason.ServerGoingAway => "the server is restarting",
        DisconnectReason.ServerBusy => "the server is busy",
        DisconnectReason.SlowConsumer => "the page fell behind the server",
        DisconnectReason.PolicyViolation or DisconnectReason.MessageTooBig => "the server refused what the page sent",
        DisconnectReason.ServerFrameTooBig => "the server sent more than the page takes",
        DisconnectReason.OtherCloseCode when closeCode is { } code => string.Create(CultureInfo.InvariantCulture, $"closed by the server ({code})"),
        DisconnectReason.OtherCloseCode => "closed by the server",
        DisconnectReason.Stopped => "stopped",
        _ => "closed",
    };

    /// <summary>The time left before the next attempt, from the status and when it was seen.</summary>
    public static TimeSpan? Remaining(ConnectionStatus status, DateTimeOffset seenAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (status.NextDelay is not { } delay)
        {
            return null;
        }
        var left = delay - (now - seenAt);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private static string GaveUp(ConnectionStatus status) => status switch
    {
        { GaveUp: false } => "",
        { Attempt: 0 } => " (gave up)",
        { Attempt: 1 } => " (gave up after 1 attempt)",
        _ => string.Create(CultureInfo.InvariantCulture, $" (gave up after {status.Attempt} attempts)"),
    };

    private static string Attempt(int attempt, int? maxAttempts, TimeSpan? untilNextAttempt)
    {
        var text = maxAttempts is { } max
            ? string.Create(CultureInfo.InvariantCulture, $"attempt {attempt} of {max}")
            : string.Create(CultureInfo.InvariantCulture, $"attempt {attempt}");
        return untilNextAttempt is { } left && left > TimeSpan.Zero
            ? string.Create(CultureInfo.InvariantCulture, $"{text}, next in {Math.Ceiling(left.TotalSeconds):0} s")
            : text + "…";
    }
}
