using AgentPulse.Web;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the UI's services.</summary>
public static class WebServiceCollectionExtensions
{
    /// <summary>
    /// Adds the one connection (<see cref="IAgentPulseConnection"/>, to <paramref name="connectionUrl"/>), the
    /// <see cref="AgentActivity"/> fed by it, <see cref="ToastService"/>, <see cref="AgentPulseApi"/> on
    /// <paramref name="apiBase"/>, and <see cref="TimeProvider.System"/> unless a clock is registered.
    /// </summary>
    public static IServiceCollection AddAgentPulseWeb(this IServiceCollection services, Uri connectionUrl, Uri apiBase)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IReconnectPolicy>(new ExponentialBackoffReconnectPolicy());
        services.AddSingleton(sp => new AgentPulseConnection(
            connectionUrl,
            sp.GetRequiredService<IReconnectPolicy>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IAgentPulseConnection>(sp => sp.GetRequiredService<AgentPulseConnection>());
        services.AddSingleton(sp =>
        {
            var activity = new AgentActivity(sp.GetRequiredService<TimeProvider>());
            activity.Attach(sp.GetRequiredService<IAgentPulseConnection>());
            return activity;
        });
        services.AddSingleton<ToastService>();
        services.AddSingleton(_ => new HttpClient { BaseAddress = apiBase });
        services.AddSingleton<AgentPulseApi>();
        return services;
    }
}
