using System.Buffers;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// The one way out of a connection: every server frame goes through here, onto the upgraded
/// transport (HTTP/1.1 upgrade or HTTP/2 extended CONNECT, see <see cref="WebSocketEndpoint"/>).
/// The connection's writer opens a batch, adds frames to it (events as their shared, ready-made
/// frames; welcome, snapshot and control frames framed here) and sends them in one write when its
/// queue is drained: the transport flushes (a syscall) per write, not per frame. The
/// <see cref="System.Net.WebSockets.WebSocket"/> reads through this stream, and its own writes
/// (the pong it answers by itself, the close frame) come through <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
/// under the same gate, so a frame is never cut by another.
/// </summary>
/// <remarks>
/// The batch is gathered in a pooled buffer and copied once into the transport. Writing straight into
/// the server's output pipe would save that copy, but after an HTTP/1.1 upgrade Kestrel exposes the
/// connection only as this stream (<c>Response.BodyWriter</c> throws), whose every write flushes.
/// </remarks>
internal sealed class FrameSink(Stream transport, int maxBatchBytes = FrameSink.DefaultMaxBatchBytes) : Stream
{
    public const int DefaultMaxBatchBytes = 64 * 1024;
    private const int InitialBufferBytes = 16 * 1024;

    private readonly SemaphoreSlim gate = new(1, 1);
    private byte[] buffer = [];
    private int length;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Opens a batch: until <see cref="EndBatchAsync"/>, only the caller writes, with <see cref="AddFrameAsync"/> and <see cref="AddTextAsync"/>.</summary>
    public Task BeginBatchAsync(CancellationToken cancellationToken) => gate.WaitAsync(cancellationToken);

    /// <summary>Sends what the batch gathered, in one write, and closes the batch.</summary>
    public async ValueTask EndBatchAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushGatheredAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Adds a whole frame made elsewhere (see <see cref="WebSocketFrames.Text"/>); only a full batch makes it wait, for a write.</summary>
    public ValueTask AddFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) =>
        AddAsync(frame, withHeader: false, cancellationToken);

    /// <summary>Adds a final text frame around <paramref name="payload"/>, framed here.</summary>
    public ValueTask AddTextAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        AddAsync(payload, withHeader: true, cancellationToken);

    private ValueTask AddAsync(ReadOnlyMemory<byte> bytes, bool withHeader, CancellationToken cancellationToken)
    {
        var total = (withHeader ? WebSocketFrames.HeaderLength(bytes.Length) : 0) + bytes.Length;
        if (length + total <= maxBatchBytes)
        {
            Gather(bytes.Span, withHeader, total);
            return ValueTask.CompletedTask;
        }
        return FlushThenAddAsync(bytes, withHeader, total, cancellationToken);
    }

    private async ValueTask FlushThenAddAsync(ReadOnlyMemory<byte> bytes, bool withHeader, int total, CancellationToken cancellationToken)
    {
        await FlushGatheredAsync(cancellationToken);
        if (total <= maxBatchBytes)
        {
            Gather(bytes.Span, withHeader, total);
            return;
        }
        // Larger than a batch (rare): its header (if any) on its own, then the bytes as they are.
        if (withHeader)
        {
            var header = new byte[WebSocketFrames.MaxHeaderLength];
            await transport.WriteAsync(header.AsMemory(0, WebSocketFrames.WriteTextHeader(header, bytes.Length)), cancellationToken);
        }
        await transport.WriteAsync(bytes, cancellationToken);
    }

    private void Gather(ReadOnlySpan<byte> bytes, bool withHeader, int total)
    {
        if (buffer.Length < length + total)
        {
            // Pooled and handed back after each batch, so an idle connection holds no buffer.
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(maxBatchBytes, Math.Max(length + total, InitialBufferBytes)));
            buffer.AsSpan(0, length).CopyTo(bigger);
            ReturnBuffer();
            buffer = bigger;
        }
        var target = buffer.AsSpan(length, total);
        if (withHeader)
        {
            target = target[WebSocketFrames.WriteTextHeader(target, bytes.Length)..];
        }
        bytes.CopyTo(target);
        length += total;
    }

    /// <summary>The socket's own writes (a pong, the close frame), outside any batch.</summary>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await transport.WriteAsync(source, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async ValueTask FlushGatheredAsync(CancellationToken cancellationToken)
    {
        if (length == 0)
        {
            return;
        }
        var count = length;
        length = 0;
        try
        {
            await transport.WriteAsync(buffer.AsMemory(0, count), cancellationToken);
        }
        finally
        {
            ReturnBuffer();
        }
    }

    private void ReturnBuffer()
    {
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = [];
        }
    }

    public override Task WriteAsync(byte[] source, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(source.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] source, int offset, int count) => throw new NotSupportedException("Writes are asynchronous.");

    public override ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default) =>
        transport.ReadAsync(destination, cancellationToken);

    public override Task<int> ReadAsync(byte[] destination, int offset, int count, CancellationToken cancellationToken) =>
        transport.ReadAsync(destination, offset, count, cancellationToken);

    public override int Read(byte[] destination, int offset, int count) => throw new NotSupportedException("Reads are asynchronous.");

    public override Task FlushAsync(CancellationToken cancellationToken) => transport.FlushAsync(cancellationToken);

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ReturnBuffer();
            gate.Dispose();
            transport.Dispose();
        }
        base.Dispose(disposing);
    }
}
