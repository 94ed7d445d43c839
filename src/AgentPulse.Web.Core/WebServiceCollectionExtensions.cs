using AgentPulse.Web;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the UI's services.</summary>
public static class WebServiceCollectionExtensions
{
    /// <summary>The patterns the page asks the server for from the first connect on, so the server-side filter stays put while views come and go.</summary>
    public static IReadOnlyList<string> EventTypesShown { get; } = ["task.*", EventTypes.DocumentIndexed, EventTypes.SearchCompleted];

    /// <summary>The most <c>task.progress</c> events a second per task the page asks the server for: 10, as often as a view renders.</summary>
    public const int ProgressPerSecond = 10;

    /// <summary>
    /// Adds the app's one client (<c>AddAgentPulseClient</c>: <see cref="IAgentPulseClient"/> to
    /// <paramref name="connectionUrl"/>, the default reconnect policy), <see cref="PageLifecycle"/>, the
    /// <see cref="AgentActivity"/> and <see cref="DocumentLibrary"/> fed by the client, <see cref="ToastService"/> and the
    /// <see cref="Notifications"/> policy,
    /// <see cref="AgentPulseApi"/> on <paramref name="apiBase"/>, and <see cref="TimeProvider.System"/> unless a clock is registered.
    /// </summary>
    public static IServiceCollection AddAgentPulseWeb(this IServiceCollection services, Uri connectionUrl, Uri apiBase)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new AuthSession(
            new HttpClient { BaseAddress = apiBase },
            sp.GetRequiredService<Microsoft.JSInterop.IJSRuntime>(),
            sp.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddAgentPulseClient((sp, options) =>
        {
            options.Url = connectionUrl;
            // The views render progress at most ten times a second: the server need not send more (docs/web.md, "Performance").
            options.ConflateProgressPerSecond = ProgressPerSecond;
            options.AccessTokenProvider = cancellationToken => sp.GetRequiredService<AuthSession>().GetAccessTokenAsync(cancellationToken);
            foreach (var type in EventTypesShown)
            {
                options.Types.Add(type);
            }
        });
        services.AddSingleton<PageLifecycle>();
        services.AddSingleton(sp =>
        {
            var activity = new AgentActivity(sp.GetRequiredService<TimeProvider>());
            activity.Attach(sp.GetRequiredService<IAgentPulseClient>());
            return activity;
        });
        services.AddSingleton(sp =>
        {
            var library = new DocumentLibrary(sp.GetRequiredService<AgentPulseApi>());
            library.Attach(sp.GetRequiredService<IAgentPulseClient>());
            return library;
        });
        services.AddSingleton<ToastService>();
        services.AddSingleton(sp =>
        {
            var notifications = new Notifications(
                sp.GetRequiredService<ToastService>(), sp.GetRequiredService<DocumentLibrary>(), sp.GetRequiredService<AgentActivity>(), sp.GetRequiredService<TimeProvider>());
            notifications.Attach(sp.GetRequiredService<IAgentPulseClient>());
            return notifications;
        });
        services.AddSingleton(sp => new HttpClient(new BearerTokenHandler(sp.GetRequiredService<AuthSession>) { InnerHandler = new HttpClientHandler() }) { BaseAddress = apiBase });
        services.AddSingleton<AgentPulseApi>();
        return services;
    }
}
