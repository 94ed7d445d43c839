using System.Text.Json.Serialization;

namespace AgentPulse.Bench;

internal sealed record ClockReply(long Timestamp, long Frequency);

internal sealed record CountReply(long Count);

internal sealed record PublishReply(int Published, long FirstTimestamp, long LastTimestamp, double ElapsedMs);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(ClockReply))]
[JsonSerializable(typeof(CountReply))]
[JsonSerializable(typeof(PublishReply))]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
