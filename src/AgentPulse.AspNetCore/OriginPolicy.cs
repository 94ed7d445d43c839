using Microsoft.AspNetCore.Http;

namespace AgentPulse.AspNetCore;

/// <summary>
/// Which browser origins may use the server: the one rule of the WebSocket handshake, for an app to apply
/// to its own state-changing requests as well (a page of another site can make a browser send them).
/// </summary>
public static class OriginPolicy
{
    /// <summary>
    /// Whether <paramref name="request"/> may go on: it has no <c>Origin</c> (not a browser, or a browser's
    /// same-origin navigation), its origin is the request's own (<c>scheme://host[:port]</c>), or one of
    /// <see cref="AgentPulseOptions.AllowedOrigins"/> (<c>*</c>: any). Compared case-insensitively.
    /// The request's own origin is only as trustworthy as its <c>Host</c> header: with host filtering
    /// (<c>AllowedHosts</c>) a page that rebinds its DNS name to this server is refused before this runs.
    /// </summary>
    public static bool IsAllowed(HttpRequest request, AgentPulseOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var origin = request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin))
        {
            return true; // not a browser
        }
        var own = $"{request.Scheme}://{request.Host}";
        if (string.Equals(origin, own, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        foreach (var allowed in options.AllowedOrigins)
        {
            if (allowed == "*" || string.Equals(allowed.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
