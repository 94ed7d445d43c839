using AgentPulse.AspNetCore;
using AgentPulse.Redis;
using AgentPulse.Redis.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Redis Streams event log.</summary>
public static class AgentPulseRedisServiceCollectionExtensions
{
    /// <summary>
    /// Keeps AgentPulse's events in one Redis stream shared by every node of a deployment: seqs are
    /// assigned in Redis, once for all nodes; each node reads the stream (one reader per node) and fans
    /// the events out to its own connections; a client resumes on any node. Replaces whatever
    /// <see cref="IEventLog"/> was registered.
    /// </summary>
    /// <param name="builder">What <c>AddAgentPulse()</c> returned.</param>
    /// <param name="configure">Sets the options; <see cref="RedisEventLogOptions.Configuration"/> is required.</param>
    public static IAgentPulseBuilder AddRedis(this IAgentPulseBuilder builder, Action<RedisEventLogOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<RedisEventLogOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        builder.Services.Replace(ServiceDescriptor.Singleton<IEventLog, RedisEventLog>());
        return builder;
    }
}
