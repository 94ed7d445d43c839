using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.Client.Tests;

/// <summary>What a page needs of the client: a stop whose close frame leaves at once, a retry that starts a stopped client, the attempt limit.</summary>
public sealed class StopAndStartTests
{
    private static AgentPulseClient NewClient(SocketScript script, Action<AgentPulseClientOptions>? configure = null)
    {
        var options = new AgentPulseClientOptions
        {
            Url = new Uri("ws://agentpulse.test/ws/agents"),
            TimeProvider = new FakeTimeProvider(),
            Random = () => 0.5,
            SocketFactory = script.ConnectAsync,
        };
        configure?.Invoke(options);
        return new AgentPulseClient(options);
    }

    [Fact]
    public async Task StopWithACloseCode_HandsTheCloseFrameToTheSocketBeforeItReturns()
    {
        var script = new SocketScript();
        await using var client = NewClient(script);
        var start = client.StartAsync();
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome();
        await start.WaitAsync(TestTimeouts.Wait);

        // As a page's pagehide handler calls it: not awaited, and no more code of the page runs after it.
        var stopping = client.StopAsync(WebSocketCloseStatus.NormalClosure, "page hidden");

        Assert.True(socket.ClientClosed.Task.IsCompleted, "the close frame must leave within the call");
        Assert.Equal((WebSocketCloseStatus.NormalClosure, (string?)"page hidden"), await socket.ClientClosed.Task);
        await stopping.WaitAsync(TestTimeouts.Wait);
        Assert.Equal(new ConnectionStatus(ConnectionState.Disconnected, 0, null, DisconnectReason.Stopped), client.Status);
    }

    [Fact]
    public async Task ReconnectNow_AfterAStop_StartsTheClientAgain_WithoutWaitingForTheConnection()
    {
        var script = new SocketScript();
        await using var client = NewClient(script);
        var log = new StatusLog(client);
        var start = client.StartAsync();
        (await script.NextOpenedAsync()).PushWelcome(epoch: "e1", seq: 7);
        await start.WaitAsync(TestTimeouts.Wait);
        await client.StopAsync();

        await client.ReconnectNowAsync(); // the page is shown again from the back-forward cache
        var second = await script.NextOpenedAsync();
        second.PushWelcome(epoch: "e1", seq: 7, recovered: true, connectionId: "c2");

        await log.WaitForAsync(s => s is { State: ConnectionState.Connected, ConnectionId: "c2" });
        Assert.Equal("ws://agentpulse.test/ws/agents?types=session.none&after=7&epoch=e1", second.Uri.AbsoluteUri);
    }

    [Fact]
    public async Task ReconnectNow_BeforeAnyStart_StartsTheClient()
    {
        var script = new SocketScript();
        await using var client = NewClient(script);
        var log = new StatusLog(client);

        await client.ReconnectNowAsync();
        (await script.NextOpenedAsync()).PushWelcome();

        Assert.Equal(ConnectionState.Connecting, (await log.NextAsync()).State);
        Assert.Equal(ConnectionState.Connected, (await log.NextAsync()).State);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.StartAsync());
    }

    [Fact]
    public async Task ReconnectNow_WhenDisposed_Throws()
    {
        var client = NewClient(new SocketScript());
        await client.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.ReconnectNowAsync());
    }

    [Fact]
    public async Task MaxAttempts_IsThePolicysOwn()
    {
        await using var byDefault = NewClient(new SocketScript());
        await using var unlimited = NewClient(new SocketScript(), o => o.ReconnectPolicy = new ExponentialBackoffReconnectPolicy { MaxAttempts = 0 });
        await using var three = NewClient(new SocketScript(), o => o.ReconnectPolicy = new ExponentialBackoffReconnectPolicy { MaxAttempts = 3 });
        await using var custom = NewClient(new SocketScript(), o => o.ReconnectPolicy = new FixedPolicy());
        IAgentPulseClient asInterface = three;

        Assert.Equal(5, byDefault.MaxAttempts);
        Assert.Null(unlimited.MaxAttempts);
        Assert.Equal(3, asInterface.MaxAttempts);
        Assert.Null(custom.MaxAttempts); // a policy that states no limit
    }

    private sealed class FixedPolicy : IReconnectPolicy
    {
        public TimeSpan? NextDelay(ReconnectContext context) => TimeSpan.FromSeconds(1);
    }
}
