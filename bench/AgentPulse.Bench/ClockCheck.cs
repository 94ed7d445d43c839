using System.Diagnostics;
using System.Globalization;

namespace AgentPulse.Bench;

/// <summary>
/// Latency is the receive timestamp of the load process minus the send timestamp of the server
/// process, both from <see cref="Stopwatch.GetTimestamp"/>. That is only sound when both read one
/// clock: on Linux, CLOCK_MONOTONIC is system-wide. Checked here: the server's reading must fall
/// between two readings of ours around the request.
/// </summary>
internal static class ClockCheck
{
    public static async Task<string> RunAsync(Column column, GcMode gc, CancellationToken cancellationToken)
    {
        var server = await ServerProcess.StartAsync(column, gc, cancellationToken);
        try
        {
            var worst = TimeSpan.Zero;
            for (var i = 0; i < 5; i++)
            {
                var before = Stopwatch.GetTimestamp();
                var reply = await server.ClockAsync(cancellationToken);
                var after = Stopwatch.GetTimestamp();
                if (reply.Frequency != Stopwatch.Frequency || reply.Timestamp < before || reply.Timestamp > after)
                {
                    throw new InvalidOperationException(
                        $"The server's Stopwatch does not share our clock (ours {before}..{after} at {Stopwatch.Frequency} Hz, the server's {reply.Timestamp} at {reply.Frequency} Hz): cross-process latency cannot be measured this way.");
                }
                var bracket = Stopwatch.GetElapsedTime(before, after);
                worst = bracket > worst ? bracket : worst;
            }
            return string.Create(CultureInfo.InvariantCulture,
                $"Stopwatch.GetTimestamp shared across processes (server reading within our bracket 5 of 5 times, bracket ≤ {worst.TotalMilliseconds:F2} ms; {Stopwatch.Frequency} Hz)");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
