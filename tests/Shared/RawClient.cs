using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace AgentPulse.Testing;

/// <summary>A raw protocol client on a real <see cref="ClientWebSocket"/>, for tests that check frames exactly.</summary>
public sealed class RawClient : IAsyncDisposable
{
    private readonly byte[] buffer = new byte[1 << 20];

    // Over HTTP/2 the socket is a stream of the handler's connection: it lives as long as the socket.
    private readonly HttpMessageInvoker? invoker;

    private RawClient(ClientWebSocket socket, HttpMessageInvoker? invoker = null)
    {
        Socket = socket;
        this.invoker = invoker;
    }

    public ClientWebSocket Socket { get; }

    /// <summary>Connects over HTTP/1.1 (an upgrade), or over HTTP/2 (extended CONNECT, RFC 8441) with <paramref name="http2"/>.</summary>
    public static async Task<RawClient> ConnectAsync(Uri uri, string? origin = null, bool http2 = false, CancellationToken cancellationToken = default)
    {
        var socket = new ClientWebSocket();
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }
        if (http2)
        {
            // Cleartext HTTP/2 with prior knowledge: the server's endpoint speaks only HTTP/2.
            socket.Options.HttpVersion = HttpVersion.Version20;
            socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
            var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
            try
            {
                await socket.ConnectAsync(uri, invoker, cancellationToken);
            }
            catch
            {
                invoker.Dispose();
                socket.Dispose();
                throw;
            }
            return new RawClient(socket, invoker);
        }
        await socket.ConnectAsync(uri, cancellationToken);
        return new RawClient(socket);
    }

    /// <summary>The next text frame as JSON, or <c>null</c> when the server closed (see <see cref="ClientWebSocket.CloseStatus"/>).</summary>
    public async Task<JsonElement?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var count = 0;
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer.AsMemory(count), cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            count += result.Count;
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(buffer.AsMemory(0, count)).RootElement.Clone();
            }
        }
    }

    /// <summary>The next frame whose type is not <c>session.heartbeat</c>.</summary>
    public async Task<JsonElement> ReceiveFrameAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var frame = await ReceiveAsync(timeout) ?? throw new InvalidOperationException($"The server closed the connection: {Socket.CloseStatus} {Socket.CloseStatusDescription}");
            if (frame.GetProperty("type").GetString() != "session.heartbeat")
            {
                return frame;
            }
        }
    }

    public Task SendTextAsync(string text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }
        Socket.Dispose();
        invoker?.Dispose();
    }
}
