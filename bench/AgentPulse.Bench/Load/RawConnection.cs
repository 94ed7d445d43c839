using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace AgentPulse.Bench.Load;

/// <summary>
/// The hand-written broadcaster's client: a bare <see cref="ClientWebSocket"/> and one receive loop,
/// each message decoded into a typed <see cref="TaskProgressEvent"/> (envelope and <c>TaskProgress</c>
/// payload, one source-generated pass) and handed to the sink on the receive loop itself.
/// </summary>
internal sealed class RawConnection(Uri server, int index, IEventSink sink, IPAddress? localAddress) : IBenchConnection
{
    private WebSocket? socket;
    private Task receiving = Task.CompletedTask;

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var uri = new UriBuilder(server) { Scheme = "ws", Path = "/ws" }.Uri;
        if (localAddress is null)
        {
            var client = new ClientWebSocket();
            socket = client;
            await client.ConnectAsync(uri, cancellationToken);
        }
        else
        {
            socket = await SourceAddresses.ConnectAsync(uri, localAddress, WebSocket.DefaultKeepAliveInterval, cancellationToken);
        }
        receiving = ReceiveLoopAsync(socket);
    }

    private async Task ReceiveLoopAsync(WebSocket socket)
    {
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                var length = result.Count;
                while (!result.EndOfMessage)
                {
                    if (length == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                }
                var e = JsonSerializer.Deserialize(buffer.AsSpan(0, length), LoadJsonContext.Default.TaskProgressEvent)!;
                sink.OnEvent(index, e.Id, e.Data);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or JsonException)
        {
            // The connection went away (or sent what is not an event): the phase counts what it missed.
        }
    }

    public void Abort() => socket?.Abort();

    public async ValueTask DisposeAsync()
    {
        socket?.Abort();
        await receiving;
        socket?.Dispose();
    }
}

internal sealed class RawClientFactory : IBenchClientFactory
{
    public string Description => "ClientWebSocket: one receive loop, JsonSerializer.Deserialize<TaskProgressEvent> per message";

    public IBenchConnection Create(Uri server, int index, IEventSink sink, IPAddress? localAddress) =>
        new RawConnection(server, index, sink, localAddress);
}
