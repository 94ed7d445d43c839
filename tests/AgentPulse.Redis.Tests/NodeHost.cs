using AgentPulse.AspNetCore;
using AgentPulse.Redis.Internal;
using AgentPulse.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentPulse.Redis.Tests;

/// <summary>
/// One node: the library alone on Kestrel (127.0.0.1, an ephemeral port) with the Redis log, as any
/// ASP.NET Core app would host it. Nodes started with the same prefix share one stream.
/// </summary>
internal sealed class NodeHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private NodeHost(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IEventPublisher Publisher => app.Services.GetRequiredService<IEventPublisher>();

    public RedisEventLog Log => (RedisEventLog)app.Services.GetRequiredService<IEventLog>();

    public IAgentPulseConnections Connections => app.Services.GetRequiredService<IAgentPulseConnections>();

    public TaskProjection Tasks => app.Services.GetRequiredService<TaskProjection>();

    public Uri WebSocketUri(string? query = null) =>
        new($"ws://127.0.0.1:{BaseAddress.Port}/ws/agents{(string.IsNullOrEmpty(query) ? "" : "?" + query)}");

    public Task<RawClient> ConnectAsync(string? query = null) => RawClient.ConnectAsync(WebSocketUri(query));

    public static async Task<NodeHost> StartAsync(
        string prefix,
        string? configuration = null,
        Action<AgentPulseOptions>? agentPulse = null,
        Action<RedisEventLogOptions>? redis = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var redisConfiguration = configuration ?? TestRedis.Configuration;
        builder.Services.AddAgentPulse(agentPulse).AddTaskSnapshots().AddRedis(o =>
        {
            o.Configuration = redisConfiguration;
            o.KeyPrefix = prefix;
            redis?.Invoke(o);
        });
        var app = builder.Build();
        app.UseWebSockets();
        app.MapAgentPulse("/ws/agents");
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new NodeHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
