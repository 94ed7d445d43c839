using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>The outcome of checking a new access token on a live connection.</summary>
/// <param name="UserId">Whose it is; <c>null</c> when refused.</param>
/// <param name="ExpiresAt">When it expires; <c>null</c> when it does not.</param>
/// <param name="Problem">Why it was refused, fit for a developer; <c>null</c> when taken.</param>
internal readonly record struct TokenCheck(string? UserId, DateTimeOffset? ExpiresAt, string? Problem);

/// <summary>
/// Who a connection is for, and until when: the user that the handshake authenticated (when authentication
/// is required), the expiry of its token, and the check of a new token sent in band (the <c>authenticate</c> op),
/// done by the app's own authentication handler, so that it is validated exactly as the handshake's was.
/// </summary>
internal sealed class ConnectionIdentity
{
    private static readonly ClaimsPrincipal Anonymous = new(new ClaimsIdentity());

    private readonly HttpContext? request;
    private readonly string? scheme;

    private ConnectionIdentity(ClaimsPrincipal user, string? userId, bool required, DateTimeOffset? expiresAt, HttpContext? request, string? scheme)
    {
        User = user;
        UserId = userId;
        Required = required;
        ExpiresAt = expiresAt;
        this.request = request;
        this.scheme = scheme;
    }

    /// <summary>Everyone sees everything: authentication is off.</summary>
    public static ConnectionIdentity Open { get; } = new(Anonymous, null, false, null, null, null);

    /// <summary>The user the snapshot is made for: the authenticated one when authentication is required, else anonymous (who sees everything).</summary>
    public ClaimsPrincipal User { get; }

    /// <summary>The user's id (<see cref="UserIds.Of"/>); <c>null</c> when authentication is off.</summary>
    public string? UserId { get; }

    /// <summary>Whether authentication is required, so that the connection sees public events and its user's only.</summary>
    public bool Required { get; }

    /// <summary>When the connection's token expires; <c>null</c> when it does not (or authentication is off).</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>The identity of a request that passed the handshake's checks.</summary>
    public static ConnectionIdentity Of(HttpContext context, AgentPulseOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!options.RequireAuthentication)
        {
            return Open;
        }
        return new ConnectionIdentity(context.User, UserIds.Of(context.User), true, ExpiryOf(context), context, options.AuthenticationScheme);
    }

    /// <summary>
    /// When the request's authentication expires: the ticket's <c>ExpiresUtc</c> (JWT bearer sets it from the
    /// token's <c>exp</c>), else an <c>exp</c> claim; <c>null</c> when neither says.
    /// </summary>
    internal static DateTimeOffset? ExpiryOf(HttpContext context)
    {
        if (context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties?.ExpiresUtc is { } expires)
        {
            return expires;
        }
        return ExpiryOf(context.User);
    }

    private static DateTimeOffset? ExpiryOf(ClaimsPrincipal? user) =>
        user?.FindFirst("exp")?.Value is { } exp && long.TryParse(exp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>
    /// Checks <paramref name="token"/> as the app checks a request's bearer token: a request on the
    /// WebSocket's path with <c>Authorization: Bearer</c>, authenticated by <see cref="AgentPulseOptions.AuthenticationScheme"/>
    /// (or the default scheme). It must name the connection's user.
    /// </summary>
    public async Task<TokenCheck> CheckAsync(string? token, CancellationToken cancellationToken)
    {
        if (!Required || request is null)
        {
            return new TokenCheck(null, null, "This server does not use authentication: there is no token to refresh.");
        }
        if (string.IsNullOrWhiteSpace(token))
        {
            return new TokenCheck(null, null, "'authenticate' needs a 'token'.");
        }
        // A scope of its own: authentication handlers are scoped, and one already bound to the handshake's
        // request would answer for that request again.
        await using var scope = request.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        var probe = new DefaultHttpContext { RequestServices = scope.ServiceProvider, RequestAborted = cancellationToken };
        probe.Request.Scheme = request.Request.Scheme;
        probe.Request.Host = request.Request.Host;
        probe.Request.PathBase = request.Request.PathBase;
        probe.Request.Path = request.Request.Path;
        probe.Request.Headers.Authorization = "Bearer " + token;
        probe.Connection.RemoteIpAddress = request.Connection.RemoteIpAddress;
        AuthenticateResult result;
        try
        {
            result = await probe.AuthenticateAsync(scheme);
        }
        catch (InvalidOperationException ex)
        {
            // No scheme to authenticate with: the app switched authentication on but registered none.
            return new TokenCheck(null, null, ex.Message);
        }
        if (!result.Succeeded || result.Principal is not { } principal || UserIds.Of(principal) is not { } userId)
        {
            return new TokenCheck(null, null, "The token was refused (invalid or expired); the connection keeps its current one.");
        }
        if (userId != UserId)
        {
            return new TokenCheck(null, null, "The token is another user's; the connection keeps its current one.");
        }
        return new TokenCheck(userId, result.Properties?.ExpiresUtc ?? ExpiryOf(principal), null);
    }
}
