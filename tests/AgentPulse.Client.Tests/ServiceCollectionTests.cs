using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.Client.Tests;

public sealed class ServiceCollectionTests
{
    [Fact]
    public async Task AddAgentPulseClient_RegistersOneClient_AlsoAsItsInterface_ThatTheContainerDisposes()
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddAgentPulseClient(o =>
        {
            o.Url = new Uri("ws://agentpulse.test/ws/agents");
            o.SocketFactory = script.ConnectAsync;
        });
        var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<AgentPulseClient>();
        Assert.Same(client, provider.GetRequiredService<AgentPulseClient>());
        Assert.Same(client, provider.GetRequiredService<IAgentPulseClient>());
        var start = client.StartAsync();
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome();
        await start.WaitAsync(TestTimeouts.Wait);

        await provider.DisposeAsync();

        Assert.Equal(ConnectionState.Closed, client.State);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, (await socket.ClientClosed.Task).Code);
    }
}
