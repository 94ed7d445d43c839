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
/// The handshake: checks origin, authentication and query, then takes a place within the connection
/// caps (refusals are problem details), accepts over HTTP/1.1 or HTTP/2, then runs a
/// <see cref="ServerConnection"/> on a <see cref="FrameSink"/>.
/// </summary>
internal sealed partial class WebSocketEndpoint(
    EventHub hub,
    ISnapshotProvider snapshots,
    ConnectionLimiter limiter,
    IOptions<AgentPulseOptions> options,
    TimeProvider time,
    AgentPulseMetrics metrics,
    ILoggerFactory loggerFactory)
{
    /// <summary>How long a client refused for want of room is told to wait (<c>Retry-After</c>).</summary>
    internal static readonly TimeSpan RetryWhenFull = TimeSpan.FromSeconds(5);

    private readonly ILogger logger = loggerFactory.CreateLogger("AgentPulse.Connection");

    public async Task HandleAsync(HttpContext context)
    {
        var opts = options.Value;
        if (Refusal(context, opts, out var after, out var epoch, out var patterns, out var conflate) is { } refusal)
        {
            await refusal.ExecuteAsync(context);
            return;
        }
        if (limiter.TryAdmit(context.Connection.RemoteIpAddress, out var why) is not { } place)
        {
            await Full(context, why, opts).ExecuteAsync(context);
            return;
        }
        try
        {
            using var sink = await AcceptAsync(context);
            // No DangerousDeflateOptions: the socket reads uncompressed frames only (a compressed one is a protocol error).
            using var socket = WebSocket.CreateFromStream(sink, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
            var identity = ConnectionIdentity.Of(context, opts);
            var connection = new ServerConnection(socket, sink, context.Abort, hub, opts, time, metrics, logger, identity, patterns, place, conflate);
            await connection.RunAsync(after, epoch, snapshots, context.RequestAborted);
        }
        finally
        {
            place.Dispose(); // the connection gave it back already, unless the upgrade failed
        }
    }

    /// <summary>The refusal of a connection past a cap; a warning when the server fills up, not for every refusal after.</summary>
    private IResult Full(HttpContext context, ConnectionLimiter.Refusal why, AgentPulseOptions opts)
    {
        var remote = context.Connection.RemoteIpAddress;
        metrics.ConnectionRefused(why == ConnectionLimiter.Refusal.AddressFull ? "address_full" : "server_full");
        if (why == ConnectionLimiter.Refusal.AddressFull)
        {
            LogAddressFull(logger, remote, opts.MaxConnectionsPerIp);
            return TryLater(context, RetryWhenFull, "Too many connections from your address",
                $"Your address holds {opts.MaxConnectionsPerIp} connections, the most one address may (AgentPulse:MaxConnectionsPerIp): close one, or try again later.");
        }
        if (why == ConnectionLimiter.Refusal.ServerFullNow)
        {
            LogServerFull(logger, opts.MaxConnections);
        }
        return TryLater(context, RetryWhenFull, "Too many connections",
            $"The server holds {opts.MaxConnections} connections, its most (AgentPulse:MaxConnections): try again later.");
    }

    /// <summary>
    /// The one answer of a handshake the server cannot take now: 503 problem details with
    /// <c>Retry-After</c> in whole seconds (at least 1), which clients honour before they try again.
    /// </summary>
    internal static IResult TryLater(HttpContext context, TimeSpan retryAfter, string title, string detail)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status503ServiceUnavailable, title, detail);
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
        if (!OriginPolicy.IsAllowed(context.Request, opts))
        {
            return Problem(StatusCodes.Status403Forbidden, "Origin not allowed",
                $"Pages from {context.Request.Headers.Origin} may not connect; add the origin to AgentPulse:AllowedOrigins.");
        }
        if (opts.RequireAuthentication && context.User.Identity?.IsAuthenticated != true)
        {
            return Problem(StatusCodes.Status401Unauthorized, "Unauthorized", "Sign in first: pass a valid access_token.");
        }
        if (!TryReadQuery(context.Request.Query, opts.MaxSubscriptionPatterns, out after, out epoch, out patterns, out conflate, out var problem))
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

    internal static bool TryReadQuery(IQueryCollection query, int maxPatterns, out long? after, out string? epoch, out List<TypePattern> patterns, out int? conflate, out string problem)
    {
        after = null;
        epoch = query["epoch"].ToString() is { Length: > 0 } e ? e : null;
        patterns = [];
        conflate = null;
        problem = "";
        var seen = new HashSet<TypePattern>();
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
                problem = $"'{(text.Length > 100 ? text[..100] + "…" : text)}' in 'types' is not a type pattern: use an exact type such as 'task.started', a prefix such as 'task.*', or '*'.";
                return false;
            }
            if (seen.Add(pattern))
            {
                if (patterns.Count == maxPatterns)
                {
                    problem = $"'types' may name at most {maxPatterns} patterns: use wildcards such as 'task.*'.";
                    return false;
                }
                patterns.Add(pattern);
            }
        }
        return true;
    }

    [LoggerMessage(EventId = 209, Level = LogLevel.Warning, Message = "The server holds {Max} connections (AgentPulse:MaxConnections): new ones get 503 until one ends.")]
    private static partial void LogServerFull(ILogger logger, int max);

    [LoggerMessage(EventId = 210, Level = LogLevel.Debug, Message = "Refused a connection from {Address}, which holds {Max} (AgentPulse:MaxConnectionsPerIp).")]
    private static partial void LogAddressFull(ILogger logger, System.Net.IPAddress? address, int max);
}
