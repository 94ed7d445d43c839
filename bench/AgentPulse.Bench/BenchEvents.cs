using System.Globalization;
using System.Text.Json.Serialization;
using AgentPulse.Protocol;

namespace AgentPulse.Bench;

/// <summary>
/// The one event every server sends: a catalog <c>task.progress</c> in its CloudEvents envelope.
/// The envelope's <c>id</c> carries what the load process measures with:
/// <c>{phase}.{index}.{sentTimestamp}</c>, where the timestamp is <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>
/// taken just before the event is handed to the server library. On Linux that clock is
/// CLOCK_MONOTONIC, one clock for every process of the machine (the bench checks this at start).
/// The payload says the same thing again (<see cref="TaskProgress.Current"/> is index + 1): every load
/// client decodes it into a <see cref="TaskProgress"/> and the sink checks that field.
/// </summary>
internal static class BenchEvents
{
    public const string Source = "/agents/bench";

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

/// <summary>
/// The event as a SignalR or hand-written client reads it: the envelope's attributes and the payload as
/// a typed <see cref="TaskProgress"/>, in one pass (source-generated). The attributes it does not name
/// (<c>specversion</c>, <c>datacontenttype</c>) are skipped.
/// </summary>
internal sealed record TaskProgressEvent(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("time")] DateTimeOffset? Time,
    [property: JsonPropertyName("subject")] string? Subject,
    [property: JsonPropertyName("data")] TaskProgress Data);
