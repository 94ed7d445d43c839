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
internal sealed record Column(
    string Id,
    string Name,
    ServerKind Kind,
    IReadOnlyList<string> ServerArgs,
    IBenchClientFactory Clients,
    bool IsSubject,
    bool Resumable,
    string Server);

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

    /// <summary>In table order; runs alternate in this order.</summary>
    public static readonly IReadOnlyList<Column> All = [AgentPulse, AgentPulseMemory, Raw, SignalR];

    public static Column Find(string id) =>
        All.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown column {id}; the columns are {string.Join(", ", All.Select(c => c.Id))}.");
}
