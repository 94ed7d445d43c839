using System.Globalization;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Net.Http.Headers;
using AgentPulse.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// The handshake: checks origin, authentication and query (refusals are problem details), accepts
/// over HTTP/1.1 or HTTP/2, then runs a <see cref="ServerConnection"/> on a <see cref="FrameSink"/>.
/// </summary>
internal sealed class WebSocketEndpoint(
    EventHub hub,
    ISnapshotProvider snapshots,
    UpgradeAdmission admission,
    IOptions<AgentPulseOptions> options,
    TimeProvider time,
    AgentPulseMetrics metrics,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger logger = loggerFactory.CreateLogger("AgentPulse.Connection");

    public async Task HandleAsync(HttpContext context)
    {
        var opts = options.Value;
        if (Refusal(context, opts, out var after, out var epoch, out var patterns, out var conflate) is { } refusal)
        {
            await refusal.ExecuteAsync(context);
            return;
        }
        // After the checks that cost nothing, so that a refused request takes no upgrade slot.
        if (!admission.TryAdmit(out var retryAfter))
        {
            metrics.UpgradeRefused();
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await Problem(StatusCodes.Status503ServiceUnavailable, "Too many connections at once",
                $"This server admits {opts.MaxUpgradesPerSecond} new connections a second; come back in {seconds} s.").ExecuteAsync(context);
            return;
        }
        using var sink = await AcceptAsync(context);
        // No DangerousDeflateOptions: the socket reads uncompressed frames only (a compressed one is a protocol error).
        using var socket = WebSocket.CreateFromStream(sink, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var identity = ConnectionIdentity.Of(context, opts);
        var connection = new ServerConnection(socket, sink, context.Abort, hub, opts, time, metrics, logger, identity, patterns, conflate);
        await connection.RunAsync(after, epoch, snapshots, context.RequestAborted);
    }

    /// <summary>Why the request may not connect, as problem details; <c>null</c> when it may.</summary>
    private static IResult? Refusal(HttpContext context, AgentPulseOptions opts, out long? after, out string? epoch, out List<TypePattern> patterns, out int? conflate)
    {
        after = null;
        epoch = null;
        patterns = [];
        conflate = null;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Problem(StatusCodes.Status400BadRequest, "Not a WebSocket request",
                "This endpoint speaks the AgentPulse protocol over WebSocket: connect with ws:// or wss://.");
        }
        if (!OriginAllowed(context.Request, opts))
        {
            return Problem(StatusCodes.Status403Forbidden, "Origin not allowed",
                $"Pages from {context.Request.Headers.Origin} may not connect; add the origin to AgentPulse:AllowedOrigins.");
        }
        if (opts.RequireAuthentication && context.User.Identity?.IsAuthenticated != true)
        {
            return Problem(StatusCodes.Status401Unauthorized, "Unauthorized", "Sign in first: pass a valid access_token.");
        }
        if (!TryReadQuery(context.Request.Query, out after, out epoch, out patterns, out conflate, out var problem))
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad request", problem);
        }
        return null;
    }

    /// <summary>Problem details, written through the app's <c>IProblemDetailsService</c> when it has one.</summary>
    private static IResult Problem(int status, string title, string detail) =>
        Results.Problem(title: title, detail: detail, statusCode: status);

    /// <summary>
    /// Completes the handshake by hand, over HTTP/1.1 (101 with <c>Sec-WebSocket-Accept</c>) or HTTP/2
    /// (extended CONNECT, RFC 8441: 200), so that every frame this server sends goes through one
    /// <see cref="FrameSink"/>: one write per drained batch, not one per frame.
    /// </summary>
    private static async Task<FrameSink> AcceptAsync(HttpContext context)
    {
        // RFC 6455 section 9.1: an extension is in use only when the answer names it, and this one never
        // does. Frames are written here as they are; permessage-deflate would need them compressed.
        context.Response.Headers.Remove(HeaderNames.SecWebSocketExtensions);
        Stream transport;
        if (context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
        {
            transport = await connect.AcceptAsync();
        }
        else
        {
            context.Response.Headers.Connection = HeaderNames.Upgrade;
            context.Response.Headers.Upgrade = "websocket";
            context.Response.Headers.SecWebSocketAccept = WebSocketFrames.AcceptKey(context.Request.Headers.SecWebSocketKey.ToString());
            transport = await context.Features.GetRequiredFeature<IHttpUpgradeFeature>().UpgradeAsync();
        }
        // As the framework's accept does: a WebSocket outlives any request timeout.
        context.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
        return new FrameSink(transport);
    }

    internal static bool OriginAllowed(HttpRequest request, AgentPulseOptions options)
    {
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

    internal static bool TryReadQuery(IQueryCollection query, out long? after, out string? epoch, out List<TypePattern> patterns, out int? conflate, out string problem)
    {
        after = null;
        epoch = query["epoch"].ToString() is { Length: > 0 } e ? e : null;
        patterns = [];
        conflate = null;
        problem = "";
        var conflateValues = query[Conflation.QueryParameter];
        if (conflateValues.Count > 1)
        {
            problem = $"Give '{Conflation.QueryParameter}' once, as in '{Conflation.QueryParameter}={Conflation.Format(10)}'.";
            return false;
        }
        if (conflateValues.ToString() is { Length: > 0 } conflateText)
        {
            if (!Conflation.TryParse(conflateText, out var perSecond, out problem))
            {
                return false;
            }
            conflate = perSecond;
        }
        if (query["after"].ToString() is { Length: > 0 } afterText)
        {
            if (!long.TryParse(afterText, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                problem = $"'after' must be a seq: a whole number of zero or more, not '{afterText}'.";
                return false;
            }
            after = value;
        }
        var typesText = string.Join(',', query["types"].ToArray());
        if (typesText.Length == 0)
        {
            patterns.Add(TypePattern.Parse("*"));
            return true;
        }
        foreach (var text in typesText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TypePattern.TryParse(text, out var pattern))
            {
                problem = $"'{text}' in 'types' is not a type pattern: use an exact type such as 'task.started', a prefix such as 'task.*', or '*'.";
                return false;
            }
            if (!patterns.Contains(pattern))
            {
                patterns.Add(pattern);
            }
        }
        return true;
    }
}
