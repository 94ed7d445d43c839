using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AgentPulse.Server.Identity;

/// <summary>Mints the access tokens of this server: JWTs signed with <see cref="SigningKeys"/>, as <c>dotnet user-jwts</c> does for development.</summary>
public sealed class AccessTokens(SigningKeys keys, IOptions<IdentityOptions> options, TimeProvider time)
{
    /// <summary>The longest name a token may carry.</summary>
    public const int MaxNameLength = 64;

    /// <summary>Whether this server can mint tokens (it has a key, not only an authority).</summary>
    public bool CanMint => keys.Key is not null;

    /// <summary>Why <paramref name="name"/> cannot name a user; <c>null</c> when it can.</summary>
    public static string? ProblemWithName(string? name)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return "Give a name to sign in as.";
        }
        if (trimmed.Length > MaxNameLength)
        {
            return $"A name may be up to {MaxNameLength} characters long.";
        }
        if (trimmed.Any(char.IsControl))
        {
            return "A name may not hold control characters.";
        }
        return trimmed.StartsWith(ApiKeyAuthenticationHandler.UserIdPrefix, StringComparison.OrdinalIgnoreCase)
            ? $"Names starting with '{ApiKeyAuthenticationHandler.UserIdPrefix}' are kept for publishers."
            : null;
    }

    /// <summary>A token for <paramref name="name"/> (its <c>sub</c> and <c>name</c>), valid for <paramref name="lifetime"/> (default: <see cref="IdentityOptions.TokenLifetime"/>).</summary>
    /// <exception cref="InvalidOperationException">Only an authority's tokens are accepted: this server has no key to sign with.</exception>
    /// <exception cref="ArgumentException">The name is not one (see <see cref="ProblemWithName"/>).</exception>
    public (string Token, string User, DateTimeOffset ExpiresAt) Mint(string name, TimeSpan? lifetime = null)
    {
        if (ProblemWithName(name) is { } problem)
        {
            throw new ArgumentException(problem, nameof(name));
        }
        var key = keys.Key ?? throw new InvalidOperationException("Identity:Authority is set: tokens come from that provider, and this server has no key to mint one.");
        var user = name.Trim();
        var now = time.GetUtcNow();
        var expires = now + (lifetime ?? options.Value.TokenLifetime);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Subject = new ClaimsIdentity([new Claim("sub", user), new Claim("name", user), new Claim("jti", Guid.NewGuid().ToString("N"))]),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        };
        var token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
        // A JWT's times are whole seconds.
        return (token, user, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }
}
