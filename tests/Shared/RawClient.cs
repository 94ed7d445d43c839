using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace AgentPulse.Testing;

/// <summary>A raw protocol client on a real <see cref="ClientWebSocket"/>, for tests that check frames exactly.</summary>
public sealed class RawClient : IAsyncDisposable
{
    private readonly byte[] buffer = new byte[1 << 20];

    // Over HTTP/2, or from a chosen address, the socket is a stream of the handler's connection: it lives as long as the socket.
    private readonly HttpMessageInvoker? invoker;

    private RawClient(ClientWebSocket socket, HttpMessageInvoker? invoker = null)
    {
        Socket = socket;
        this.invoker = invoker;
    }

    public ClientWebSocket Socket { get; }

    /// <summary>
    /// Connects over HTTP/1.1 (an upgrade), or over HTTP/2 (extended CONNECT, RFC 8441) with <paramref name="http2"/>;
    /// from <paramref name="localAddress"/> when given (such as 127.0.0.2, another client address on this machine).
    /// </summary>
    public static async Task<RawClient> ConnectAsync(Uri uri, string? origin = null, bool http2 = false, CancellationToken cancellationToken = default, IPAddress? localAddress = null)
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
        }
        if (!http2 && localAddress is null)
        {
            await socket.ConnectAsync(uri, cancellationToken);
            return new RawClient(socket);
        }
        var invoker = new HttpMessageInvoker(localAddress is null ? new SocketsHttpHandler() : FromAddress(localAddress));
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

    /// <summary>A handler whose connections leave from <paramref name="localAddress"/>.</summary>
    public static SocketsHttpHandler FromAddress(IPAddress localAddress) => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var tcp = new System.Net.Sockets.Socket(localAddress.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(localAddress, 0));
                await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new System.Net.Sockets.NetworkStream(tcp, ownsSocket: true);
            }
            catch
            {
                tcp.Dispose();
                throw;
            }
        },
    };

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
