using System.Globalization;

namespace AgentPulse.Client.Internal;

/// <summary>The server refused the handshake with 503: it admits connections at a bounded rate, and said when to come back.</summary>
internal sealed class ServerBusyException(TimeSpan? retryAfter, Exception innerException)
    : Exception("the server is busy (HTTP 503)", innerException)
{
    /// <summary>The server's <c>Retry-After</c>; <c>null</c> when it gave none.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary><c>Retry-After</c> in seconds (the only form a server of this protocol sends); <c>null</c> when missing or not a number.</summary>
    public static TimeSpan? ReadRetryAfter(IReadOnlyDictionary<string, IEnumerable<string>>? headers)
    {
        if (headers is null)
        {
            return null;
        }
        foreach (var (name, values) in headers)
        {
            if (string.Equals(name, "Retry-After", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return TimeSpan.FromSeconds(seconds);
            }
        }
        return null;
    }
}
