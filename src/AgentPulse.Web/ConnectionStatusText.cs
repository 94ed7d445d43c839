using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentPulse.Web;

/// <summary>What the connection indicator says.</summary>
public static partial class ConnectionStatusText
{
    /// <summary>
    /// The text for <paramref name="status"/>: "Connected"; "Connecting…"; "Reconnecting, attempt 2 of 5, next in 3 s";
    /// "Disconnected: gave up after 5 attempts".
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
            ConnectionState.Disconnected when string.IsNullOrWhiteSpace(status.Reason) => "Disconnected",
            ConnectionState.Disconnected => "Disconnected: " + Humanize(status.Reason),
            _ => "Closed",
        };
    }

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

    /// <summary>
    /// The client's reason in a person's words: "gave up after 5 attempts: connect failed: …" becomes
    /// "the server could not be reached (gave up after 5 attempts)". In the browser the underlying
    /// message is a bare resource key (<c>net_webstatus_ConnectFailure</c>), which says nothing to a person.
    /// </summary>
    public static string Humanize(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var gaveUp = GaveUp().Match(reason);
        if (!gaveUp.Success)
        {
            return Cause(reason);
        }
        var attempts = gaveUp.Groups["attempts"].Success ? $" after {gaveUp.Groups["attempts"].Value} attempts" : "";
        return $"{Cause(gaveUp.Groups["cause"].Value)} (gave up{attempts})";
    }

    private static string Cause(string cause) =>
        cause.StartsWith("connect failed", StringComparison.Ordinal) ? "the server could not be reached" : cause;

    [GeneratedRegex("^gave up(?: after (?<attempts>\\d+) attempts?)?: (?<cause>.*)$", RegexOptions.Singleline)]
    private static partial Regex GaveUp();

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
