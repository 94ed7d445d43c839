using System.Text.Json.Serialization.Metadata;
using AgentPulse.Protocol;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.Bench.Load;

/// <summary>
/// The baseline: the .NET SignalR client on WebSockets, JSON protocol, the events deserialized as
/// <see cref="CloudEvent"/> with the same source-generated metadata. Negotiation is skipped, as a
/// tuned SignalR deployment on WebSockets does: that makes the baseline faster, not slower.
/// </summary>
internal sealed class SignalRConnection : IBenchConnection
{
    private readonly HubConnection connection;

    public SignalRConnection(Uri server, int index, IEventSink sink)
    {
        connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server, "/hub"), HttpTransportType.WebSockets, o => o.SkipNegotiation = true)
            .AddJsonProtocol(o =>
            {
                o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AgentPulseJsonContext.Default);
                o.PayloadSerializerOptions.TypeInfoResolverChain.Add(new DefaultJsonTypeInfoResolver());
            })
            .Build();
        connection.On<CloudEvent>(BenchEvents.SignalRMethod, e => sink.OnEvent(index, e.Id));
    }

    public Task ConnectAsync(CancellationToken cancellationToken) => connection.StartAsync(cancellationToken);

    public void Abort()
    {
        // The client has no abort; stopping without waiting is the closest.
        _ = connection.StopAsync();
    }

    public ValueTask DisposeAsync() => connection.DisposeAsync();
}

internal sealed class SignalRClientFactory : IBenchClientFactory
{
    public string Description => "Microsoft.AspNetCore.SignalR.Client, WebSockets, JSON protocol, negotiation skipped";

    public IBenchConnection Create(Uri server, int index, IEventSink sink) => new SignalRConnection(server, index, sink);
}
