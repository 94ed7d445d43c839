using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Identity;

/// <summary>
/// Publishers' API keys: a request with <c>X-Api-Key: &lt;key&gt;</c> is the publisher whose key's SHA-256
/// matches one of <see cref="IdentityOptions.ApiKeys"/> (compared in constant time), with a
/// <see cref="SourceClaim"/> per <c>source</c> prefix it may publish under.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<IdentityOptions> identity)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string SourceClaim = "agentpulse:source";
    public const string UserIdPrefix = "apikey:";

    private readonly (byte[] Hash, ApiKeyOptions Key)[] keys = identity.Value.ApiKeys.Select(k => (Convert.FromHexString(k.Hash!), k)).ToArray();

    /// <summary>The SHA-256 of a key, as <see cref="ApiKeyOptions.Hash"/> holds it (lowercase hex).</summary>
    public static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.Fail($"Send one key in {HeaderName}."));
        }
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(values[0]!));
        ApiKeyOptions? match = null;
        foreach (var (hash, key) in keys)
        {
            // Every key is compared, in constant time, so the time taken tells nothing.
            if (CryptographicOperations.FixedTimeEquals(presented, hash))
            {
                match = key;
            }
        }
        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, UserIdPrefix + match.Name),
            new(ClaimTypes.Name, match.Name!),
        };
        claims.AddRange(match.Sources.Select(prefix => new Claim(SourceClaim, prefix)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        await Problems.Create(StatusCodes.Status401Unauthorized, "Unauthorized", $"Send a publisher's API key in {HeaderName}.").ExecuteAsync(Context);
    }
}
