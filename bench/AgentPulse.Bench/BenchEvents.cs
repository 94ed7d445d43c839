using System.Globalization;
using AgentPulse.Protocol;

namespace AgentPulse.Bench;

/// <summary>
/// The one payload both servers send: a catalog <c>task.progress</c> in its CloudEvents envelope.
/// The envelope's <c>id</c> carries what the load process measures with:
/// <c>{phase}.{index}.{sentTimestamp}</c>, where the timestamp is <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>
/// taken just before the event is handed to the server library. On Linux that clock is
/// CLOCK_MONOTONIC, one clock for every process of the machine (the bench checks this at start).
/// </summary>
internal static class BenchEvents
{
    public const string Source = "/agents/bench";

    /// <summary>The SignalR hub method the clients listen to.</summary>
    public const string SignalRMethod = "event";

    public static CloudEvent Create(int phase, int index, int count, long sentTimestamp) =>
        CloudEvent.Create(
            new TaskProgress($"bench-{phase}", (index + 1) / (double)count, "indexing", $"chunk {index + 1} of {count}", index + 1, count),
            Source,
            subject: $"tasks/bench-{phase}",
            id: string.Create(CultureInfo.InvariantCulture, $"{phase}.{index}.{sentTimestamp}"),
            time: DateTimeOffset.UtcNow);

    public static bool TryParseId(ReadOnlySpan<char> id, out int phase, out int index, out long sentTimestamp)
    {
        phase = 0;
        index = 0;
        sentTimestamp = 0;
        var first = id.IndexOf('.');
        if (first < 0)
        {
            return false;
        }
        var rest = id[(first + 1)..];
        var second = rest.IndexOf('.');
        return second >= 0
            && int.TryParse(id[..first], NumberStyles.None, CultureInfo.InvariantCulture, out phase)
            && int.TryParse(rest[..second], NumberStyles.None, CultureInfo.InvariantCulture, out index)
            && long.TryParse(rest[(second + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out sentTimestamp);
    }
}
