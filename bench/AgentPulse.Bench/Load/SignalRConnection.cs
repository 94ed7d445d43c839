using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.Bench.Load;

/// <summary>
/// The baseline's client: the .NET SignalR client on WebSockets, JSON protocol, each event's argument
/// decoded into a typed <see cref="TaskProgressEvent"/> (envelope and <c>TaskProgress</c> payload, one
/// source-generated pass). Negotiation is skipped, as a tuned SignalR deployment on WebSockets does:
/// that makes the baseline faster, not slower.
/// </summary>
internal sealed class SignalRConnection : IBenchConnection
{
    /// <summary>The client method the hub calls (<c>IBenchClient.Event</c>).</summary>
    public const string Method = "Event";

    private readonly HubConnection connection;

    public SignalRConnection(Uri server, int index, IEventSink sink, IPAddress? localAddress)
    {
        connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server, "/hub"), HttpTransportType.WebSockets, o =>
            {
                o.SkipNegotiation = true;
                if (localAddress is not null)
                {
                    // The client's ClientWebSocket (default keep-alive), from another loopback address.
                    o.WebSocketFactory = (context, ct) =>
                        SourceAddresses.ConnectAsync(ToWebSocket(context.Uri), localAddress, WebSocket.DefaultKeepAliveInterval, ct);
                }
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, LoadJsonContext.Default))
            .Build();
        // Opening thousands at once on two cores takes longer than the default 15 s handshake timeout.
        connection.HandshakeTimeout = TimeSpan.FromSeconds(120);
        connection.On<TaskProgressEvent>(Method, e => sink.OnEvent(index, e.Id, e.Data));
    }

    private static Uri ToWebSocket(Uri uri) =>
        uri.Scheme is "http" or "https" ? new UriBuilder(uri) { Scheme = uri.Scheme == "https" ? "wss" : "ws" }.Uri : uri;

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
    public string Description => "Microsoft.AspNetCore.SignalR.Client: WebSockets, JSON protocol, negotiation skipped, On<TaskProgressEvent>";

    public IBenchConnection Create(Uri server, int index, IEventSink sink, IPAddress? localAddress) =>
        new SignalRConnection(server, index, sink, localAddress);
}
