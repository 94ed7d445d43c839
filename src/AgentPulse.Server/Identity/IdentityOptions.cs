using System.ComponentModel.DataAnnotations;

namespace AgentPulse.Server.Identity;

/// <summary>
/// Who may use the server (configuration section <c>Identity</c>): how access tokens are checked, the
/// development sign-in, and the publishers' API keys. Whether a token is required at all is
/// <c>AgentPulse:RequireAuthentication</c>. Validated at start.
/// </summary>
/// <remarks>
/// Tokens are checked against, in this order: <see cref="Authority"/> (an OpenID Connect provider's keys);
/// <see cref="SigningKey"/> (tokens this server's <c>token</c> command mints); else the development key,
/// made once in <c>DataPath/identity/development-signing-key</c>.
/// </remarks>
public sealed class IdentityOptions
{
    /// <summary>An OpenID Connect authority whose tokens are accepted, such as <c>https://login.example.com/realms/agents</c> (default: none).</summary>
    public string? Authority { get; set; }

    /// <summary>The audience a token must name (<c>aud</c>) (default: <c>agentpulse</c>).</summary>
    [Required]
    public string Audience { get; set; } = "agentpulse";

    /// <summary>The issuer of the tokens this server mints and accepts without an <see cref="Authority"/> (default: <c>agentpulse</c>).</summary>
    [Required]
    public string Issuer { get; set; } = "agentpulse";

    /// <summary>A symmetric signing key, base64, of at least 32 bytes, for tokens minted by this server (default: none: the development key).</summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// Whether <c>POST /api/auth/development-token</c> mints a token for any name (the page's development sign-in)
    /// (default: <c>null</c>: on, from loopback only, while the development key is in use; off with a configured key or authority).
    /// <c>true</c> turns it on from anywhere, with whatever key signs; <c>false</c> turns it off.
    /// </summary>
    public bool? DevelopmentTokens { get; set; }

    /// <summary>How long the tokens this server mints are valid (default: 1 hour).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The publishers' API keys for <c>POST /api/events</c> (default: none).</summary>
    public IList<ApiKeyOptions> ApiKeys { get; } = new List<ApiKeyOptions>();
}

/// <summary>One publisher's API key: sent as <c>X-Api-Key</c>, kept here only as its SHA-256.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The publisher's name (its user id is <c>apikey:NAME</c>) (required).</summary>
    public string? Name { get; set; }

    /// <summary>The SHA-256 of the key, 64 hex digits (the <c>apikey</c> command prints it) (required).</summary>
    public string? Hash { get; set; }

    /// <summary>The <c>source</c> prefixes it may publish under, such as <c>/ci/</c> (at least one; <c>/</c> for any source that is not reserved).</summary>
    public IList<string> Sources { get; } = new List<string>();
}
