using AgentPulse.Client;

namespace AgentPulse.Bench.Load;

/// <summary>
/// The load side as an application uses AgentPulse: <see cref="AgentPulseClient"/>, one subscription
/// to <c>task.*</c> (filtering on), events handed to the sink from the client's dispatch loop.
/// </summary>
internal sealed class AgentPulseClientConnection : IResumableConnection
{
    private readonly AgentPulseClient client;
    private readonly IDisposable subscription;

    public AgentPulseClientConnection(Uri server, int index, IEventSink sink)
    {
        client = new AgentPulseClient(new AgentPulseClientOptions
        {
            Url = new UriBuilder(server) { Scheme = "ws", Path = "/ws/agents" }.Uri,
            ConnectTimeout = TimeSpan.FromSeconds(60),
            CloseTimeout = TimeSpan.FromSeconds(2),
        });
        subscription = client.Subscribe("task.*", e => sink.OnEvent(index, e.Id));
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
    public string Description => "AgentPulse.Client (AgentPulseClient, Subscribe(\"task.*\"), default options)";

    public IBenchConnection Create(Uri server, int index, IEventSink sink) => new AgentPulseClientConnection(server, index, sink);
}
