using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentPulse.Protocol;

namespace AgentPulse.Bench;

/// <summary>
/// <c>--micro</c>: what a client spends reading one event frame, in-process. Compares the protocol's
/// <see cref="CloudEvent"/> as <c>AgentPulseJsonContext</c> reads it (with <c>data</c> parsed into a
/// <c>JsonDocument</c>) with the same envelope as a plain source-generated type with setters, and with
/// <c>data</c> left unparsed. Evidence for the profile notes in docs/performance.md; bounded (8 rounds of 200,000).
/// </summary>
internal static class Micro
{
    public static int Run()
    {
        var cloudEvent = BenchEvents.Create(1, 20, 50, Stopwatch.GetTimestamp()) with { Seq = 1042 };
        var frame = Frames.Event(cloudEvent);
        Console.WriteLine($"One task.progress frame, {frame.Length} bytes; best and median of 8 rounds of 200,000:");
        var cases = new (string Name, Func<byte[], string> Read)[]
        {
            ("CloudEvent, as the protocol reads it", f => JsonSerializer.Deserialize(f, AgentPulseJsonContext.Default.CloudEvent)!.Id),
            ("same envelope with setters", f => JsonSerializer.Deserialize(f, MicroJsonContext.Default.SettableEvent)!.Id),
            ("setters, data not parsed", f => JsonSerializer.Deserialize(f, MicroJsonContext.Default.EnvelopeOnly)!.Id),
        };
        foreach (var (name, read) in cases)
        {
            for (var i = 0; i < 20_000; i++)
            {
                read(frame);
            }
            var times = new List<double>();
            long bytes = 0;
            for (var round = 0; round < 8; round++)
            {
                const int n = 200_000;
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                var start = Stopwatch.GetTimestamp();
                for (var i = 0; i < n; i++)
                {
                    read(frame);
                }
                times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds / n);
                bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / n;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-36} {times.Min():F2} µs (median {Stats.Median(times):F2}), {bytes} B allocated per event"));
        }
        return 0;
    }
}

internal sealed class SettableEvent
{
    [JsonPropertyName("specversion")] public string SpecVersion { get; set; } = "1.0";
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("source")] public string Source { get; set; } = "";
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("time")] public DateTimeOffset? Time { get; set; }
    [JsonPropertyName("subject")] public string? Subject { get; set; }
    [JsonPropertyName("seq")] public long Seq { get; set; }
    [JsonPropertyName("datacontenttype")] public string? DataContentType { get; set; }
    [JsonPropertyName("data")] public JsonElement? Data { get; set; }
}

internal sealed class EnvelopeOnly
{
    [JsonPropertyName("specversion")] public string SpecVersion { get; set; } = "1.0";
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("source")] public string Source { get; set; } = "";
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("time")] public DateTimeOffset? Time { get; set; }
    [JsonPropertyName("subject")] public string? Subject { get; set; }
    [JsonPropertyName("seq")] public long Seq { get; set; }
    [JsonPropertyName("datacontenttype")] public string? DataContentType { get; set; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SettableEvent))]
[JsonSerializable(typeof(EnvelopeOnly))]
internal sealed partial class MicroJsonContext : JsonSerializerContext;
