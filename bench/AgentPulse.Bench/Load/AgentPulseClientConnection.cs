using System.Net;
using AgentPulse.Client;
using AgentPulse.Protocol;

namespace AgentPulse.Bench.Load;

/// <summary>
/// The load side as an application uses AgentPulse: <see cref="AgentPulseClient"/> with one typed
/// subscription, <c>On&lt;TaskProgress&gt;</c> (so the server filters by type), each event's payload
/// decoded into a <see cref="TaskProgress"/> and handed to the sink from the client's dispatch loop.
/// </summary>
internal sealed class AgentPulseClientConnection : IResumableConnection
{
    private readonly AgentPulseClient client;
    private readonly IDisposable subscription;

    public AgentPulseClientConnection(Uri server, int index, IEventSink sink, IPAddress? localAddress)
    {
        client = new AgentPulseClient(new AgentPulseClientOptions
        {
            Url = new UriBuilder(server) { Scheme = "ws", Path = "/ws/agents" }.Uri,
            // Opening thousands at once on two cores takes longer than one connect's default 15 s.
            ConnectTimeout = TimeSpan.FromSeconds(120),
            CloseTimeout = TimeSpan.FromSeconds(2),
            // The client's own socket (a ClientWebSocket, keep-alive 15 s), from another loopback address.
            SocketFactory = localAddress is null ? null : (uri, ct) => SourceAddresses.ConnectAsync(uri, localAddress, TimeSpan.FromSeconds(15), ct),
        });
        subscription = client.On<TaskProgress>((progress, e) => sink.OnEvent(index, e.Id, progress));
        client.StateChanged += status =>
        {
            if (status.State == ConnectionState.Reconnecting && status.Attempt <= 1)
            {
                ClientDrops.Record(status.Reason, status.CloseCode);
            }
        };
    }

    public long Position => client.LastSeq;

    public Task ConnectAsync(CancellationToken cancellationToken) => client.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => client.StopAsync(cancellationToken);

    public Task ResumeAsync(CancellationToken cancellationToken) => client.StartAsync(cancellationToken);

    public void Abort()
    {
        // The client has no abort: DisposeAsync closes it.
    }

    public async ValueTask DisposeAsync()
    {
        subscription.Dispose();
        await client.DisposeAsync();
    }
}

internal sealed class AgentPulseClientFactory : IBenchClientFactory
{
    public string Description => "AgentPulse.Client: AgentPulseClient, On<TaskProgress>, default options";

    public IBenchConnection Create(Uri server, int index, IEventSink sink, IPAddress? localAddress) =>
        new AgentPulseClientConnection(server, index, sink, localAddress);
}

/// <summary>Why AgentPulse clients of the load process lost their connection (reason and close code), counted for the progress lines and the notes.</summary>
internal static class ClientDrops
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Counts = new();

    public static void Record(DisconnectReason? reason, int? closeCode) =>
        Counts.AddOrUpdate($"{reason?.ToString() ?? "unknown"} ({closeCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no code"})", 1, (_, n) => n + 1);

    /// <summary>What was counted since the last call, as "HeartbeatTimeout (1006) × 12, …"; empty when nothing.</summary>
    public static string Take()
    {
        var taken = new List<string>();
        foreach (var key in Counts.Keys)
        {
            if (Counts.TryRemove(key, out var n))
            {
                taken.Add($"{key} × {n}");
            }
        }
        return string.Join(", ", taken.Order(StringComparer.Ordinal));
    }
}
