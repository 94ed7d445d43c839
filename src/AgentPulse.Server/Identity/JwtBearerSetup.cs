using AgentPulse.AspNetCore;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Identity;

/// <summary>
/// Configures JWT bearer from <see cref="IdentityOptions"/>: an authority's keys, or this server's
/// <see cref="SigningKeys"/>; the user id is the token's <c>sub</c>, the name its <c>name</c>. Browsers
/// cannot set headers on a WebSocket handshake, so on the WebSocket's path the token may come as the
/// <c>access_token</c> query parameter, as SignalR reads it; everywhere else only the header counts.
/// </summary>
internal sealed class JwtBearerSetup(IOptions<IdentityOptions> identity, SigningKeys keys) : IConfigureNamedOptions<JwtBearerOptions>
{
    public const string WebSocketPath = "/ws/agents";

    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name != JwtBearerDefaults.AuthenticationScheme)
        {
            return;
        }
        var opts = identity.Value;
        options.MapInboundClaims = false;
        options.TokenValidationParameters.NameClaimType = "name";
        options.TokenValidationParameters.ValidAudience = opts.Audience;
        if (opts.Authority is { } authority)
        {
            options.Authority = authority;
        }
        else
        {
            options.TokenValidationParameters.ValidIssuer = opts.Issuer;
            // Read when a token comes, so a server that never sees one never makes a development key.
            options.TokenValidationParameters.IssuerSigningKeyResolver = (_, _, _, _) => keys.Key is { } key ? [key] : [];
        }
        options.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                if (context.HttpContext.Request.Path.StartsWithSegments(WebSocketPath)
                    && context.Request.Query["access_token"].ToString() is { Length: > 0 } token)
                {
                    context.Token = token;
                }
                return Task.CompletedTask;
            },
        };
    }

    public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);
}
