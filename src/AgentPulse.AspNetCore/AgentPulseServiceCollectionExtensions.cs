using AgentPulse.AspNetCore;
using AgentPulse.AspNetCore.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers AgentPulse.</summary>
public static class AgentPulseServiceCollectionExtensions
{
    /// <summary>
    /// Adds the event log (in memory unless an <see cref="IEventLog"/> is registered first, or replaced
    /// later as by <c>AddSqliteLog</c>), <see cref="IEventPublisher"/>, fan-out driven by the log's
    /// committed entries, heartbeats and metrics. The log is opened when the host starts.
    /// </summary>
    public static IAgentPulseBuilder AddAgentPulse(this IServiceCollection services, Action<AgentPulseOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<AgentPulseOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentPulseOptions>, AgentPulseOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<AgentPulseMetrics>();
        services.TryAddSingleton<IEventLog, InMemoryEventLog>();
        services.TryAddSingleton<ISnapshotProvider, EmptySnapshotProvider>();
        services.TryAddSingleton<EventHub>();
        services.TryAddSingleton<ConnectionLimiter>();
        services.TryAddSingleton<WebSocketEndpoint>();
        services.TryAddSingleton<IEventPublisher>(sp => sp.GetRequiredService<EventHub>());
        services.TryAddSingleton<IAgentPulseConnections>(sp => sp.GetRequiredService<EventHub>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EventHubService>());
        return new AgentPulseBuilder(services);
    }

    /// <summary>
    /// Keeps a <see cref="TaskProjection"/> of the <c>task.*</c> events and uses it for <c>session.snapshot</c>.
    /// </summary>
    public static IAgentPulseBuilder AddTaskSnapshots(this IAgentPulseBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<TaskProjection>();
        builder.Services.Replace(ServiceDescriptor.Singleton<ISnapshotProvider>(sp => sp.GetRequiredService<TaskProjection>()));
        builder.Services.AddSingleton<IEventObserver>(sp => sp.GetRequiredService<TaskProjection>());
        return builder;
    }

    private sealed record AgentPulseBuilder(IServiceCollection Services) : IAgentPulseBuilder;
}

/// <summary>What <c>AddAgentPulse</c> returns, to add more to it.</summary>
public interface IAgentPulseBuilder
{
    /// <summary>The services.</summary>
    IServiceCollection Services { get; }
}
