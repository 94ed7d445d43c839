using System.Text.Json;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Testing;

namespace AgentPulse.AspNetCore.Tests;

public sealed class StreamingTests
{
    internal static CloudEvent Progress(int i, string source = "/tests") =>
        CloudEvent.Create(new TaskProgress("t1", i / 100.0 % 1, "indexing", $"step {i}", i, null), source, id: $"e{i}");

    [Fact]
    public async Task Connect_WithoutAfter_GetsWelcomeThenSnapshotThenLiveEvents()
    {
        await using var server = await RunningServer.StartAsync();
        await using var client = await RawClient.ConnectAsync(server.WebSocketUri());

        var welcome = await client.ReceiveFrameAsync();
        Assert.Equal("session.welcome", welcome.GetProperty("type").GetString());
        Assert.Equal(1, welcome.GetProperty("data").GetProperty("protocolVersion").GetInt32());
        Assert.False(welcome.GetProperty("data").GetProperty("recovered").GetBoolean());
        Assert.Equal(15, welcome.GetProperty("data").GetProperty("heartbeatSeconds").GetInt32());
        var snapshot = await client.ReceiveFrameAsync();
        Assert.Equal("session.snapshot", snapshot.GetProperty("type").GetString());
        Assert.Equal(0, snapshot.GetProperty("data").GetProperty("tasks").GetArrayLength());

        var publisher = server.Get<IEventPublisher>();
        var result = await publisher.PublishAsync(Progress(1));

        var frame = await client.ReceiveFrameAsync();
        Assert.Equal("task.progress", frame.GetProperty("type").GetString());
        Assert.Equal(result.Seq, frame.GetProperty("seq").GetInt64());
        Assert.Equal("1.0", frame.GetProperty("specversion").GetString());
        Assert.Equal("step 1", frame.GetProperty("data").GetProperty("message").GetString());
    }
}
