namespace AgentPulse.Protocol.Contracts;

/// <summary>
/// <c>GET /api/auth</c> (anonymous): what a page needs to know before it connects.
/// </summary>
/// <param name="AuthenticationRequired">Whether the API and the WebSocket need an access token (<c>AgentPulse:RequireAuthentication</c>).</param>
/// <param name="DevelopmentSignIn">Whether <c>POST /api/auth/development-token</c> mints tokens (the development signing key is in use, or it is switched on).</param>
public sealed record AuthInfo(bool AuthenticationRequired, bool DevelopmentSignIn);

/// <summary>The body of <c>POST /api/auth/development-token</c>.</summary>
/// <param name="Name">Who to sign in as: 1 to 64 characters, no control characters.</param>
public sealed record DevelopmentTokenRequest(string? Name);

/// <summary>An access token the server minted.</summary>
/// <param name="AccessToken">The JWT: send it as <c>Authorization: Bearer …</c> and as <c>access_token</c> on the WebSocket URL.</param>
/// <param name="User">The user it names (its <c>sub</c> and <c>name</c>).</param>
/// <param name="ExpiresAt">When it expires.</param>
public sealed record AccessTokenIssued(string AccessToken, string User, DateTimeOffset ExpiresAt);
