using System.Net;
using System.Text.Json;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
using AgentPulse.Server.Security;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Identity;

/// <summary><c>/api/auth</c>: what a page needs before it connects, and the development sign-in.</summary>
internal static class IdentityEndpoints
{
    public static void MapIdentity(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/auth", (HttpContext context, IOptions<AgentPulseOptions> options, DevelopmentSignIn signIn) =>
                Results.Json(new AuthInfo(options.Value.RequireAuthentication, signIn.IsOpenTo(context)), AgentPulseJsonContext.Default.AuthInfo))
            .AllowAnonymous();
        endpoints.MapPost("/api/auth/development-token", MintAsync)
            .AllowAnonymous()
            .WithBodySizeLimit(4096);
    }

    private static async Task<IResult> MintAsync(HttpContext context, DevelopmentSignIn signIn, AccessTokens tokens, CancellationToken cancellationToken)
    {
        if (!signIn.IsOpenTo(context))
        {
            return Problems.Create(StatusCodes.Status404NotFound, "No development sign-in",
                "This server does not mint development tokens: sign in with your identity provider.");
        }
        if (CrossSite.RequireJson(context.Request, "{\"name\":\"alice\"}") is { } notJson)
        {
            return notJson;
        }
        DevelopmentTokenRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(context.Request.Body, AgentPulseJsonContext.Default.DevelopmentTokenRequest, cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException || BodySizeLimit.IsTooLarge(ex))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Not valid JSON", "Send {\"name\":\"alice\"}.");
        }
        if (AccessTokens.ProblemWithName(body?.Name) is { } problem)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Bad name", problem);
        }
        var (token, user, expiresAt) = tokens.Mint(body!.Name!);
        return Results.Json(new AccessTokenIssued(token, user, expiresAt), AgentPulseJsonContext.Default.AccessTokenIssued);
    }
}

/// <summary>
/// Whether the development sign-in mints tokens for a request: <see cref="IdentityOptions.DevelopmentTokens"/>
/// <c>true</c> from anywhere; unset, while the development key is in use, from loopback only.
/// </summary>
internal sealed class DevelopmentSignIn(IOptions<IdentityOptions> options, SigningKeys keys)
{
    public bool IsOpenTo(HttpContext context) =>
        options.Value.DevelopmentTokens switch
        {
            true => true,
            false => false,
            null => keys.IsDevelopmentKey && context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote),
        };
}
