using System.Net.WebSockets;
using System.Text.Json;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
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
    public async Task ServerShutdown_TellsEachConnectionWhenToComeBack_SpreadOverAWindow_ThenClosesWith1012()
    {
        // Two connections at two admitted a second: a window of one second, one of them told 0 ms, the other 500 ms.
        var server = await LibraryHost.StartAsync(new Dictionary<string, string?> { ["AgentPulse:MaxUpgradesPerSecond"] = "2" });
        await using var first = await server.ConnectAsync();
        await first.HandshakeAsync();
        await using var second = await server.ConnectAsync();
        await second.HandshakeAsync();

        var stopping = server.DisposeAsync().AsTask();

        var goodbyes = new List<JsonElement>();
        foreach (var client in new[] { first, second })
        {
            var goodbye = await client.ReceiveAsync();
            Assert.Equal("session.goodbye", goodbye!.Value.Type());
            goodbyes.Add(goodbye.Value.Data());
            Assert.Null(await client.ReceiveAsync());
            Assert.Equal(CloseCodes.ServiceRestart, (int)client.Socket.CloseStatus!);
        }
        Assert.Equal([0L, 500L], goodbyes.Select(g => g.GetProperty("reconnectAfterMs").GetInt64()));
        Assert.All(goodbyes, g => Assert.Equal(1000, g.GetProperty("windowMs").GetInt64()));
        Assert.All(goodbyes, g => Assert.Equal("server stopping", g.GetProperty("reason").GetString()));
        await stopping;
    }
}
