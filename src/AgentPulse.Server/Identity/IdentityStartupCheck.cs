using AgentPulse.AspNetCore;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Identity;

/// <summary>Says at start what identity the server runs with, and warns when authentication rests on the development key.</summary>
internal sealed partial class IdentityStartupCheck(
    IOptions<AgentPulseOptions> agentPulse,
    IOptions<IdentityOptions> identity,
    SigningKeys keys,
    ILogger<IdentityStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!agentPulse.Value.RequireAuthentication)
        {
            LogOpen(logger, identity.Value.ApiKeys.Count);
        }
        else if (keys.IsDevelopmentKey)
        {
            LogDevelopmentKey(logger, identity.Value.DevelopmentTokens == true ? "from anywhere" : "from this machine");
        }
        else
        {
            LogAuthenticated(logger, identity.Value.Authority ?? "this server's signing key", identity.Value.ApiKeys.Count);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
