using System.Net.WebSockets;
using AgentPulse.AspNetCore;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.AspNetCore.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public async Task IdleConnection_GetsHeartbeat_AfterTheInterval_AndNotBefore()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T17:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var server = await LibraryHost.StartAsync(configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
        await using var client = await server.ConnectAsync();
        await client.HandshakeAsync();

        // Just short of the interval: a ping's pong is the next frame, so no heartbeat came first.
        time.Advance(TimeSpan.FromSeconds(14));
        await client.SendTextAsync("""{"op":"ping","id":"before"}""");
        var next = await client.ReceiveAsync();
        Assert.Equal("session.pong", next!.Value.Type());

        time.Advance(TimeSpan.FromSeconds(15));
        var heartbeat = await client.ReceiveAsync();
        Assert.Equal("session.heartbeat", heartbeat!.Value.Type());
        Assert.Equal(0, heartbeat.Value.Data().GetProperty("seq").GetInt64());

        // The heartbeat's seq is where this connection stands: the last event sent to it.
        await server.Get<IEventPublisher>().PublishAsync(StreamingTests.Progress(1));
        await server.Get<IEventPublisher>().PublishAsync(StreamingTests.Progress(2));
        Assert.Equal([1L, 2L], (await client.EventsAsync(2)).Select(e => e.Seq()));
        time.Advance(TimeSpan.FromSeconds(15));
        heartbeat = await client.ReceiveAsync();
        Assert.Equal("session.heartbeat", heartbeat!.Value.Type());
        Assert.Equal(2, heartbeat.Value.Data().GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task ServerShutdown_ClosesEveryConnectionWith1001()
    {
        var server = await LibraryHost.StartAsync();
        await using var first = await server.ConnectAsync();
        await first.HandshakeAsync();
        await using var second = await server.ConnectAsync();
        await second.HandshakeAsync();

        var stopping = server.DisposeAsync().AsTask();

        Assert.Null(await first.ReceiveAsync());
        Assert.Null(await second.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, first.Socket.CloseStatus);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, second.Socket.CloseStatus);
        await stopping;
    }
}
