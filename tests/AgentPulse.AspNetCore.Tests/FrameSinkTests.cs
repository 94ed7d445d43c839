using AgentPulse.AspNetCore.Internal;

namespace AgentPulse.AspNetCore.Tests;

public sealed class FrameSinkTests
{
    private static byte[] Bytes(int length, byte value) => Enumerable.Repeat(value, length).ToArray();

    [Fact]
    public async Task ABatch_GoesOutInOneWrite_WithTheFramesInOrder()
    {
        var transport = new RecordingStream();
        using var sink = new FrameSink(transport);
        var shared = WebSocketFrames.Text(Bytes(10, 1));

        await sink.BeginBatchAsync(CancellationToken.None);
        await sink.AddFrameAsync(shared, CancellationToken.None);
        await sink.AddTextAsync(Bytes(200, 2), CancellationToken.None);
        await sink.AddFrameAsync(shared, CancellationToken.None);
        Assert.Empty(transport.Writes);
        await sink.EndBatchAsync(CancellationToken.None);

        var write = Assert.Single(transport.Writes);
        Assert.Equal([.. shared, .. WebSocketFrames.Text(Bytes(200, 2)), .. shared], write);
    }

    [Fact]
    public async Task AFullBatch_IsWrittenBeforeMore_AndAFrameLargerThanABatchGoesAsItIs()
    {
        var transport = new RecordingStream();
        using var sink = new FrameSink(transport, maxBatchBytes: 1000);

        await sink.BeginBatchAsync(CancellationToken.None);
        await sink.AddTextAsync(Bytes(600, 1), CancellationToken.None);
        await sink.AddTextAsync(Bytes(600, 2), CancellationToken.None);
        await sink.AddTextAsync(Bytes(5000, 3), CancellationToken.None);
        await sink.EndBatchAsync(CancellationToken.None);

        Assert.Equal(
            [WebSocketFrames.Text(Bytes(600, 1)), WebSocketFrames.Text(Bytes(600, 2)), WebSocketFrames.Text(Bytes(5000, 3))[..4], Bytes(5000, 3)],
            transport.Writes);
    }

    [Fact]
    public async Task TheSocketsOwnWrite_WaitsForTheOpenBatch_SoNoFrameIsCut()
    {
        var transport = new RecordingStream();
        using var sink = new FrameSink(transport);
        await sink.BeginBatchAsync(CancellationToken.None);
        await sink.AddTextAsync(Bytes(50, 1), CancellationToken.None);

        var pong = sink.WriteAsync(new byte[] { 0x8A, 0 }).AsTask();
        Assert.False(pong.IsCompleted);
        await sink.EndBatchAsync(CancellationToken.None);
        await pong.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([WebSocketFrames.Text(Bytes(50, 1)), [0x8A, 0]], transport.Writes);
    }

    /// <summary>A transport that keeps every write, as the upgraded connection would send it.</summary>
    private sealed class RecordingStream : MemoryStream
    {
        public List<byte[]> Writes { get; } = [];

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(buffer.ToArray());
            return ValueTask.CompletedTask;
        }
    }
}
