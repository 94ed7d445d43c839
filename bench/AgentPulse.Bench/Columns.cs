using AgentPulse.Bench.Load;
using AgentPulse.Bench.Server;

namespace AgentPulse.Bench;

/// <summary>
/// One column of the results: a server, its configuration, and the client that loads it. A new
/// configuration to compare (another event log, say) is one more entry here, with the configuration
/// keys its server process gets.
/// </summary>
/// <param name="Id">Its name on the command line (<c>--columns</c>) and in the JSON.</param>
/// <param name="Name">Its heading in the table.</param>
/// <param name="ServerArgs">Configuration for the server process (<c>--Key=Value</c>), after the bench's own.</param>
/// <param name="IsSubject">Whether the table gives its ratio to each baseline (the columns that are not subjects).</param>
/// <param name="Resumable">Whether its clients can leave and resume (the resume row).</param>
/// <param name="Server">What the server process is, for the report.</param>
/// <param name="Nodes">How many server processes make the column (nodes on one Redis stream); the connections are dealt out over them, events are published on the first.</param>
internal sealed record Column(
    string Id,
    string Name,
    ServerKind Kind,
    IReadOnlyList<string> ServerArgs,
    IBenchClientFactory Clients,
    bool IsSubject,
    bool Resumable,
    string Server,
    int Nodes = 1);

internal static class Columns
{
    public static readonly Column AgentPulse = new(
        "agentpulse", "AgentPulse", ServerKind.AgentPulse, [], new AgentPulseClientFactory(), IsSubject: true, Resumable: true,
        "the real AgentPulse.Server app as shipped (AgentPulseApp.Build and appsettings.json: the SQLite event log, task snapshots, OpenTelemetry metrics)");

    public static readonly Column AgentPulseMemory = new(
        "agentpulse-memory", "AgentPulse (memory log)", ServerKind.AgentPulse, ["--AgentPulse:Log=Memory"], new AgentPulseClientFactory(), IsSubject: true, Resumable: true,
        "the same app with AgentPulse:Log=Memory (the in-memory event log: no durability)");

    public static readonly Column Raw = new(
        "raw", "raw", ServerKind.Raw, [], new RawClientFactory(), IsSubject: false, Resumable: false,
        "hand-written Kestrel WebSocket broadcaster (AcceptWebSocketAsync, serialized once, a writer task per socket, bounded channel of 1,024, SendAsync per frame)");

    public static readonly Column SignalR = new(
        "signalr", "SignalR", ServerKind.SignalR, [], new SignalRClientFactory(), IsSubject: false, Resumable: false,
        "ASP.NET Core SignalR, typed hub, JSON protocol, a BackgroundService awaiting Clients.All per event (the documented broadcast loop)");

    /// <summary>
    /// <c>--redis</c>: the in-memory log as the baseline, one node on Redis, and two nodes on Redis with the
    /// connections split between them (events published on the first, delivered by both through the stream).
    /// </summary>
    public static IReadOnlyList<Column> RedisComparison(string configuration) =>
    [
        AgentPulseMemory with { IsSubject = false },
        new("agentpulse-redis", "AgentPulse (Redis, 1 node)", ServerKind.AgentPulse, [$"--AgentPulse:Redis:Configuration={configuration}"], new AgentPulseClientFactory(), IsSubject: true, Resumable: true,
            "the same app on the Redis Streams log (AgentPulse:Redis:Configuration), one node, a redis-server of the bench's own on 127.0.0.1"),
        new("agentpulse-redis-2", "AgentPulse (Redis, 2 nodes)", ServerKind.AgentPulse, [$"--AgentPulse:Redis:Configuration={configuration}"], new AgentPulseClientFactory(), IsSubject: true, Resumable: true,
            "two such nodes on one stream; the connections dealt out over both, the events published on the first", Nodes: 2),
    ];

    /// <summary>In table order; runs alternate in this order.</summary>
    public static readonly IReadOnlyList<Column> All = [AgentPulse, AgentPulseMemory, Raw, SignalR];

    public static Column Find(string id) =>
        All.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown column {id}; the columns are {string.Join(", ", All.Select(c => c.Id))}.");
}
