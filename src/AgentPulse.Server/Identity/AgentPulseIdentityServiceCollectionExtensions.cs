using AgentPulse.AspNetCore;
using AgentPulse.Server.Identity;
using AgentPulse.Server.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers who may use the server: JWT bearer for people and clients, API keys for publishers, and the authorization that follows <c>AgentPulse:RequireAuthentication</c>.</summary>
public static class AgentPulseIdentityServiceCollectionExtensions
{
    /// <summary>The default scheme: <see cref="ApiKeyAuthenticationHandler.SchemeName"/> when the request carries <c>X-Api-Key</c>, else JWT bearer.</summary>
    public const string DefaultScheme = "AgentPulse";

    /// <summary>
    /// Adds authentication (JWT bearer, API keys) and authorization from the <c>Identity</c> section. With
    /// <c>AgentPulse:RequireAuthentication</c> on, every endpoint needs a bearer token unless it allows anonymous
    /// users (the UI's files, <c>/healthz</c>, <c>/api/auth</c>; <c>/api/events</c> checks its publishers itself).
    /// Call after <c>AddAgents</c> (it needs the data folder).
    /// </summary>
    public static IServiceCollection AddAgentPulseIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<IdentityOptions>().Bind(configuration.GetSection("Identity")).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<IdentityOptions>, IdentityOptionsValidator>();
        services.AddSingleton(sp => new SigningKeys(sp.GetRequiredService<IOptions<IdentityOptions>>(), sp.GetRequiredService<AgentDatabase>().DataPath));
        services.AddSingleton<AccessTokens>();
        services.AddSingleton<DevelopmentSignIn>();
        services.AddHostedService<IdentityStartupCheck>();
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, JwtBearerSetup>();
        services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "Bearer token or API key", options => options.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName) ? ApiKeyAuthenticationHandler.SchemeName : JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<AgentPulseOptions>>((authorization, agentPulse) =>
        {
            if (agentPulse.Value.RequireAuthentication)
            {
                // People and clients only: a publisher's key opens POST /api/events and nothing else (403 elsewhere).
                // The policy names no scheme: the request's user is the default scheme's, a bearer token's or a key's.
                authorization.FallbackPolicy = new AuthorizationPolicyBuilder()
                    .RequireAuthenticatedUser()
                    .RequireAssertion(context => context.User.Identity?.AuthenticationType != ApiKeyAuthenticationHandler.SchemeName)
                    .Build();
            }
        });
        services.AddOptions<AgentPulseOptions>().Configure(options => options.AuthenticationScheme ??= JwtBearerDefaults.AuthenticationScheme);
        return services;
    }
}
