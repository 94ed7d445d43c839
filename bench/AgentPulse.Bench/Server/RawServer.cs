using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using AgentPulse.Protocol;

namespace AgentPulse.Bench.Server;

/// <summary>
/// The hand-written column: what an engineer writes instead of adopting a library. ASP.NET Core's
/// WebSockets middleware (default options), <c>AcceptWebSocketAsync</c> at <c>/ws</c>, each event
/// serialized once, and one writer task per socket fed by a bounded channel of 1,024 frames (as
/// AgentPulse's default send queue), each frame one <c>WebSocket.SendAsync</c>. No sequencing, no log, no
/// filtering, no heartbeat of its own. A full queue makes the publisher wait (nothing is dropped).
/// </summary>
internal static class RawServer
{
    public static WebApplication Build(string[] hostArgs)
    {
        var builder = BaselineHosting.CreateBuilder(hostArgs);
        builder.Services.AddSingleton<RawBroadcaster>();
        builder.Services.AddSingleton<IBenchServer>(sp => sp.GetRequiredService<RawBroadcaster>());
        return BaselineHosting.Build(builder, app =>
        {
            app.UseWebSockets();
            var broadcaster = app.Services.GetRequiredService<RawBroadcaster>();
            app.Map("/ws", broadcaster.AcceptAsync);
        });
    }
}

internal sealed class RawBroadcaster : IBenchServer
{
    private const int QueueCapacity = 1024;
    private readonly ConcurrentDictionary<long, ChannelWriter<byte[]>> sockets = new();
    private long nextId;
    private long count;

    public long Connections => Interlocked.Read(ref count);

    public LibraryCounters Counters => LibraryCounters.None;

    public async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var id = Interlocked.Increment(ref nextId);
        var writing = WriteLoopAsync(socket, queue.Reader, context.RequestAborted);
        sockets[id] = queue.Writer;
        Interlocked.Increment(ref count);
        try
        {
            await ReceiveUntilCloseAsync(socket, context.RequestAborted);
        }
        finally
        {
            sockets.TryRemove(id, out _);
            Interlocked.Decrement(ref count);
            queue.Writer.TryComplete();
            await writing;
        }
        if (socket.State == WebSocketState.CloseReceived)
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
    }

    /// <summary>Serializes the event once and queues the same bytes for every socket.</summary>
    public async ValueTask PublishAsync(CloudEvent cloudEvent, long seq)
    {
        var frame = JsonSerializer.SerializeToUtf8Bytes(cloudEvent with { Seq = seq }, AgentPulseJsonContext.Default.CloudEvent);
        foreach (var (_, queue) in sockets)
        {
            if (!queue.TryWrite(frame))
            {
                try
                {
                    await queue.WriteAsync(frame);
                }
                catch (ChannelClosedException)
                {
                    // That socket has gone.
                }
            }
        }
    }

    private static async Task WriteLoopAsync(WebSocket socket, ChannelReader<byte[]> frames, CancellationToken cancellationToken)
    {
        try
        {
            while (await frames.WaitToReadAsync(cancellationToken))
            {
                while (frames.TryRead(out var frame))
                {
                    await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The socket went away: end the receive loop too, so that the socket leaves the broadcast.
            socket.Abort();
        }
    }

    /// <summary>Clients send nothing but the close: a small buffer is enough.</summary>
    private static async Task ReceiveUntilCloseAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Dropped without a close.
        }
    }
}
