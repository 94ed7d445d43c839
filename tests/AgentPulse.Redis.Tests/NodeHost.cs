using AgentPulse.AspNetCore;
using AgentPulse.Redis.Internal;
using AgentPulse.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.Redis.Tests;

/// <summary>
/// One node: the library alone on Kestrel (127.0.0.1, an ephemeral port) with the Redis log, as any
/// ASP.NET Core app would host it. Nodes started with the same prefix share one stream.
/// </summary>
internal sealed class NodeHost : AppHost
{
    private NodeHost(WebApplication app)
        : base(app)
    {
    }

    public IEventPublisher Publisher => Get<IEventPublisher>();

    public RedisEventLog Log => (RedisEventLog)Get<IEventLog>();

    public IAgentPulseConnections Connections => Get<IAgentPulseConnections>();

    public TaskProjection Tasks => Get<TaskProjection>();

    public Task<RawClient> ConnectAsync(string? query = null) => RawClient.ConnectAsync(WebSocketUri(query));

    public static async Task<NodeHost> StartAsync(
        string prefix,
        string? configuration = null,
        Action<AgentPulseOptions>? agentPulse = null,
        Action<RedisEventLogOptions>? redis = null)
    {
        var redisConfiguration = configuration ?? TestRedis.Configuration;
        return new NodeHost(await StartLibraryAppAsync(builder =>
            builder.Services.AddAgentPulse(agentPulse).AddTaskSnapshots().AddRedis(o =>
            {
                o.Configuration = redisConfiguration;
                o.KeyPrefix = prefix;
                redis?.Invoke(o);
            })));
    }
}
