using System.Buffers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using AgentPulse.Protocol;
using Microsoft.AspNetCore.Http.Features;

namespace AgentPulse.Bench.Server;

/// <summary>
/// An experiment, not a product and not in the results table (<c>--profile experiment</c> only): the
/// AgentPulse wire protocol over a minimal fan-out that does the two things the profile of the library
/// points at. (1) Each connection's writer drains every frame that is queued and writes them through a
/// <see cref="WebSocket"/> over a stream that only buffers, then flushes once: one socket send per batch
/// instead of one per frame. (2) The per-connection queue is a single-reader unbounded channel with an
/// interlocked count as the bound, instead of a <c>BoundedChannel</c> that takes a lock on every read
/// and write. No log, no sequencer beyond a counter: it shows what the send path alone can do.
/// </summary>
internal static class CoalescingExperiment
{
    public static void Map(WebApplication app)
    {
        var hub = app.Services.GetRequiredService<ExperimentHub>();
        app.Map("/ws/agents", context => hub.AcceptAsync(context));
    }
}

internal sealed class ExperimentHub : IBenchPublisher
{
    private const int Capacity = 1024;
    private readonly Lock gate = new();
    private ExperimentConnection[] connections = [];
    private long seq;

    public long Count => Volatile.Read(ref connections).Length;

    public ValueTask PublishAsync(CloudEvent cloudEvent, long ignored)
    {
        lock (gate)
        {
            var frame = Frames.Event(cloudEvent with { Seq = ++seq });
            foreach (var connection in connections)
            {
                connection.Offer(frame);
            }
        }
        return ValueTask.CompletedTask;
    }

    public async Task AcceptAsync(HttpContext context)
    {
        var key = context.Request.Headers["Sec-WebSocket-Key"].ToString();
        if (key.Length == 0)
        {
            context.Response.StatusCode = 400;
            return;
        }
        // The handshake, as the WebSockets middleware does it, so that we own the stream under the socket.
        context.Response.StatusCode = StatusCodes.Status101SwitchingProtocols;
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers["Sec-WebSocket-Accept"] = Convert.ToBase64String(
            SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        var opaque = await context.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync();
        var stream = new CoalescingStream(opaque);
        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var connection = new ExperimentConnection(socket, stream, Capacity);
        long joinedAt;
        lock (gate)
        {
            connections = [.. connections, connection];
            joinedAt = seq;
        }
        try
        {
            await connection.RunAsync(joinedAt, context.RequestAborted);
        }
        finally
        {
            lock (gate)
            {
                connections = Array.FindAll(connections, c => c != connection);
            }
        }
    }
}

internal sealed class ExperimentConnection(WebSocket socket, CoalescingStream stream, int capacity)
{
    private readonly Channel<byte[]> queue = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private int queued;

    public void Offer(byte[] frame)
    {
        if (Interlocked.Increment(ref queued) > capacity)
        {
            queue.Writer.TryComplete(); // a real server closes with 4008 here
            return;
        }
        queue.Writer.TryWrite(frame);
    }

    public async Task RunAsync(long joinedAt, CancellationToken cancellationToken)
    {
        var receiving = DrainReceivesAsync(cancellationToken);
        try
        {
            await SendAsync(Frames.Welcome(new SessionWelcome(Frames.ProtocolVersion, "x", "experiment", joinedAt, false, 15)), cancellationToken);
            await SendAsync(Frames.Snapshot(new SessionSnapshot([])), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            var reader = queue.Reader;
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                while (reader.TryRead(out var frame))
                {
                    Interlocked.Decrement(ref queued);
                    await SendAsync(frame, cancellationToken); // into the buffer: no socket send yet
                }
                await stream.FlushAsync(cancellationToken); // one socket send for the batch
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
        }
        await receiving;
    }

    private ValueTask SendAsync(byte[] frame, CancellationToken cancellationToken) =>
        socket.SendAsync(frame.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    private async Task DrainReceivesAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[512];
        try
        {
            while (!(await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken)).MessageType.Equals(WebSocketMessageType.Close))
            {
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
        }
        queue.Writer.TryComplete();
    }
}

/// <summary>Buffers writes until <see cref="FlushAsync(CancellationToken)"/>; reads pass through.</summary>
internal sealed class CoalescingStream(Stream inner) : Stream
{
    private readonly ArrayBufferWriter<byte> pending = new(16 * 1024);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        pending.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => pending.Write(buffer.AsSpan(offset, count));

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (pending.WrittenCount == 0)
        {
            return;
        }
        await inner.WriteAsync(pending.WrittenMemory, cancellationToken);
        pending.ResetWrittenCount();
    }

    public override void Flush() => throw new NotSupportedException("Flush asynchronously.");

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
