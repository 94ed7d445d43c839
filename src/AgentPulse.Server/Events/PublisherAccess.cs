using System.Net;
using System.Security.Claims;
using AgentPulse.AspNetCore;
using AgentPulse.Server.Identity;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Events;

/// <summary>
/// Who may publish on <c>POST /api/events</c>, and under which <c>source</c>: a publisher's API key
/// (<c>X-Api-Key</c>) from anywhere, under the source prefixes bound to it; without a key, only a process on
/// this machine (loopback), and only while authentication is off. Nobody may publish under
/// <c>/agents</c>: those are the server's own agents, which publish in-process, never over HTTP, so
/// that no caller can speak for them.
/// </summary>
internal static class PublisherAccess
{
    /// <summary>The path the server's own agents' sources are under (<c>/agents/indexer</c>, <c>/agents/searcher</c>, and any it adds).</summary>
    public const string ReservedPath = "/agents";

    /// <summary>The endpoint filter: refuses a caller that may not publish at all (401, 403).</summary>
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (IsPublisher(http.User))
        {
            return await next(context);
        }
        if (http.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName))
        {
            return Problems.Create(StatusCodes.Status401Unauthorized, "Unknown API key", $"The key in {ApiKeyAuthenticationHandler.HeaderName} is not a publisher's.");
        }
        if (http.RequestServices.GetRequiredService<IOptions<AgentPulseOptions>>().Value.RequireAuthentication)
        {
            return http.User.Identity?.IsAuthenticated == true
                ? Problems.Create(StatusCodes.Status403Forbidden, "Not a publisher", $"Publishing needs a publisher's API key in {ApiKeyAuthenticationHandler.HeaderName}, not a user's token.")
                : Problems.Create(StatusCodes.Status401Unauthorized, "Unauthorized", $"Send a publisher's API key in {ApiKeyAuthenticationHandler.HeaderName}.");
        }
        var remote = http.Connection.RemoteIpAddress;
        if (remote is null || !IPAddress.IsLoopback(remote))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "Publishing is local only",
                $"Without an API key, events may be published only from this machine (loopback); send a publisher's key in {ApiKeyAuthenticationHandler.HeaderName}.");
        }
        return await next(context);
    }

    /// <summary>Why <paramref name="user"/> may not publish under <paramref name="source"/>, fit for a person; <c>null</c> when it may.</summary>
    public static string? RefusalFor(ClaimsPrincipal user, string source)
    {
        if (IsReserved(source))
        {
            return $"The source \"{source}\" is reserved: {ReservedPath}/… are the server's own agents. Publish under a source of your own, such as /publishers/your-agent.";
        }
        if (!IsPublisher(user))
        {
            return null; // the filter let an anonymous local caller through
        }
        var prefixes = user.FindAll(ApiKeyAuthenticationHandler.SourceClaim).Select(c => c.Value).ToList();
        return prefixes.Any(prefix => source.StartsWith(prefix, StringComparison.Ordinal))
            ? null
            : $"This key may publish under {string.Join(", ", prefixes)} only, not '{source}'.";
    }

    private static bool IsPublisher(ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, AuthenticationType: ApiKeyAuthenticationHandler.SchemeName };

    /// <summary>
    /// Whether <paramref name="source"/> is one of the server's own: its path (percent-decoded, before any
    /// <c>?</c> or <c>#</c>) is <c>/agents</c> or under it, in any letter case.
    /// </summary>
    public static bool IsReserved(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        string path;
        try
        {
            path = Uri.UnescapeDataString(source);
        }
        catch (UriFormatException)
        {
            path = source;
        }
        var end = path.AsSpan().IndexOfAny('?', '#');
        var span = (end < 0 ? path.AsSpan() : path.AsSpan(0, end)).TrimEnd('/');
        return span.Equals(ReservedPath, StringComparison.OrdinalIgnoreCase)
            || span.StartsWith(ReservedPath + "/", StringComparison.OrdinalIgnoreCase);
    }
}
