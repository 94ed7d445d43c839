using System.Buffers;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// Sits between a server <see cref="System.Net.WebSockets.WebSocket"/> and the upgraded connection.
/// Kestrel flushes (and so makes a syscall) on every write. The connection's writer instead opens a
/// batch, copies ready-made frames into it (<see cref="WriteFrameAsync"/>, no lock per frame: the
/// writer holds the gate for the whole batch), and sends them in one write when its queue is drained.
/// The socket's own writes (a pong it answers by itself, the close) go through <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
/// under the same gate, so a frame is never cut by another.
/// </summary>
internal sealed class BatchingStream(Stream inner, int maxBatchBytes = 64 * 1024) : Stream
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private byte[] buffer = [];
    private int length;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Opens a batch: until <see cref="EndBatchAsync"/>, only the caller writes, with <see cref="WriteFrameAsync"/>.</summary>
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

    /// <summary>
    /// Adds a whole WebSocket frame made elsewhere (see <see cref="WebSocketFrames"/>) to the open
    /// batch; only a full batch makes it wait, for a write.
    /// </summary>
    public ValueTask WriteFrameAsync(byte[] frame, CancellationToken cancellationToken)
    {
        if (length + frame.Length <= maxBatchBytes)
        {
            Gather(frame);
            return ValueTask.CompletedTask;
        }
        return FlushThenGatherAsync(frame, cancellationToken);
    }

    private async ValueTask FlushThenGatherAsync(byte[] frame, CancellationToken cancellationToken)
    {
        await FlushGatheredAsync(cancellationToken);
        if (frame.Length > maxBatchBytes)
        {
            await inner.WriteAsync(frame, cancellationToken);
        }
        else
        {
            Gather(frame);
        }
    }

    private void Gather(ReadOnlySpan<byte> frame)
    {
        if (buffer.Length < length + frame.Length)
        {
            // Pooled and handed back after each batch, so an idle connection holds no buffer.
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(maxBatchBytes, Math.Max(length + frame.Length, 16 * 1024)));
            buffer.AsSpan(0, length).CopyTo(bigger);
            ReturnBuffer();
            buffer = bigger;
        }
        frame.CopyTo(buffer.AsSpan(length));
        length += frame.Length;
    }

    /// <summary>The socket's own writes, outside any batch.</summary>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await inner.WriteAsync(source, cancellationToken);
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
            await inner.WriteAsync(buffer.AsMemory(0, count), cancellationToken);
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
        inner.ReadAsync(destination, cancellationToken);

    public override Task<int> ReadAsync(byte[] destination, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(destination, offset, count, cancellationToken);

    public override int Read(byte[] destination, int offset, int count) => throw new NotSupportedException("Reads are asynchronous.");

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ReturnBuffer();
            gate.Dispose();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
