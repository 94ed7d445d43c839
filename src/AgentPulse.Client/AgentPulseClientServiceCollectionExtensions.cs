using AgentPulse.Client;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the AgentPulse client.</summary>
public static class AgentPulseClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="AgentPulseClient"/> as a singleton, also as <see cref="IAgentPulseClient"/> (what
    /// views and services inject), made on first use with the container's <see cref="ILoggerFactory"/> and
    /// <see cref="TimeProvider"/> when it has them; the container disposes it (closing with 1000). The app still
    /// calls <see cref="IAgentPulseClient.StartAsync"/>. A second call adds nothing.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; <see cref="AgentPulseClientOptions.Url"/> at least.</param>
    public static IServiceCollection AddAgentPulseClient(this IServiceCollection services, Action<AgentPulseClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddAgentPulseClient((_, options) => configure(options));
    }

    /// <summary>
    /// As <see cref="AddAgentPulseClient(IServiceCollection, Action{AgentPulseClientOptions})"/>, with the app's services at hand,
    /// for options that come from them (an <see cref="AgentPulseClientOptions.AccessTokenProvider"/> from a sign-in service).
    /// </summary>
    public static IServiceCollection AddAgentPulseClient(this IServiceCollection services, Action<IServiceProvider, AgentPulseClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.TryAddSingleton(sp =>
        {
            var options = new AgentPulseClientOptions();
            if (sp.GetService<ILoggerFactory>() is { } loggerFactory)
            {
                options.LoggerFactory = loggerFactory;
            }
            if (sp.GetService<TimeProvider>() is { } timeProvider)
            {
                options.TimeProvider = timeProvider;
            }
            configure(sp, options);
            return new AgentPulseClient(options);
        });
        services.TryAddSingleton<IAgentPulseClient>(sp => sp.GetRequiredService<AgentPulseClient>());
        return services;
    }
}
