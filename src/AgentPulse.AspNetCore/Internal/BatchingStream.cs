namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// Sits between a server <see cref="System.Net.WebSockets.WebSocket"/> and the upgraded connection.
/// Kestrel flushes (and so makes a syscall) on every write; inside a batch, frames are gathered
/// here instead and go out in one write when the writer has drained its queue. Outside a batch
/// (a pong the socket sends by itself, a close) writes pass straight through.
/// </summary>
internal sealed class BatchingStream(Stream inner, int maxBatchBytes = 64 * 1024) : Stream
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private byte[] buffer = [];
    private int length;
    private bool batching;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>From now until <see cref="EndBatchAsync"/>, writes are gathered.</summary>
    public void BeginBatch()
    {
        // Only the connection's writer calls Begin and End, one after the other; Write reads the flag under the gate.
        Volatile.Write(ref batching, true);
    }

    /// <summary>Sends what the batch gathered, in one write.</summary>
    public async ValueTask EndBatchAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            batching = false;
            await FlushGatheredAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Writes whole WebSocket frames made elsewhere (see <see cref="WebSocketFrames"/>). The socket's
    /// own frames and these never interleave: every write, its or ours, is one whole frame under the gate.
    /// </summary>
    public ValueTask WriteFrameAsync(byte[] frame, CancellationToken cancellationToken) => WriteAsync(frame, cancellationToken);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!batching)
            {
                await inner.WriteAsync(source, cancellationToken);
                return;
            }
            if (length + source.Length > maxBatchBytes)
            {
                await FlushGatheredAsync(cancellationToken);
                if (source.Length > maxBatchBytes)
                {
                    await inner.WriteAsync(source, cancellationToken);
                    return;
                }
            }
            if (buffer.Length < length + source.Length)
            {
                // Pooled and handed back after each batch, so an idle connection holds no buffer.
                var bigger = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Min(maxBatchBytes, Math.Max(length + source.Length, 16 * 1024)));
                buffer.AsSpan(0, length).CopyTo(bigger);
                ReturnBuffer();
                buffer = bigger;
            }
            source.Span.CopyTo(buffer.AsSpan(length));
            length += source.Length;
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
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
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
