using System.Text.Json.Serialization;
using AgentPulse.Protocol;

namespace AgentPulse.Bench;

internal sealed record ClockReply(long Timestamp, long Frequency);

internal sealed record CountReply(long Count);

internal sealed record PublishReply(int Published, long FirstTimestamp, long LastTimestamp, double ElapsedMs);

/// <summary>What a server process says about itself and what its library counted.</summary>
/// <param name="ServerGc">Whether the server runs Server GC (from inside: <c>GCSettings.IsServerGC</c>).</param>
/// <param name="GcSettings">The GC settings the runtime reports that differ from none (<c>GC.GetConfigurationVariables</c>, the ones that matter here).</param>
/// <param name="QueueOverflows">AgentPulse: <c>agentpulse.queue.overflows</c> so far (connections closed with 4008); -1 for the others.</param>
/// <param name="Resumes">AgentPulse: <c>agentpulse.resumes</c> so far; -1 for the others.</param>
/// <param name="LogReads">AgentPulse: reads of the event log so far (catch-ups and resumes); -1 for the others.</param>
internal sealed record ServerInfo(bool ServerGc, string GcSettings, long QueueOverflows, long Resumes, long LogReads);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(ClockReply))]
[JsonSerializable(typeof(CountReply))]
[JsonSerializable(typeof(PublishReply))]
[JsonSerializable(typeof(ServerInfo))]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;

/// <summary>What the SignalR and hand-written load clients decode each event with: camelCase, exact names, as the protocol writes them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TaskProgressEvent))]
internal sealed partial class LoadJsonContext : JsonSerializerContext;
