using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using AgentPulse.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>The handshake: checks origin, authentication and query, then runs a <see cref="ServerConnection"/>.</summary>
internal sealed class WebSocketEndpoint(
    EventHub hub,
    ISnapshotProvider snapshots,
    IOptions<AgentPulseOptions> options,
    TimeProvider time,
    AgentPulseMetrics metrics,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger logger = loggerFactory.CreateLogger("AgentPulse.Connection");

    public async Task HandleAsync(HttpContext context)
    {
        var opts = options.Value;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Results.Problem(
                title: "Not a WebSocket request",
                detail: "This endpoint speaks the AgentPulse protocol over WebSocket: connect with ws:// or wss://.",
                statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
            return;
        }
        if (!OriginAllowed(context.Request, opts))
        {
            await Results.Problem(
                title: "Origin not allowed",
                detail: $"Pages from {context.Request.Headers.Origin} may not connect; add the origin to AgentPulse:AllowedOrigins.",
                statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
            return;
        }
        if (opts.RequireAuthentication && context.User.Identity?.IsAuthenticated != true)
        {
            await Results.Problem(
                title: "Unauthorized",
                detail: "Sign in first: pass a valid access_token.",
                statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
            return;
        }
        if (!TryReadQuery(context.Request.Query, out var after, out var epoch, out var patterns, out var problem))
        {
            await Results.Problem(title: "Bad request", detail: problem, statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
            return;
        }

        var (socket, batching) = await AcceptAsync(context);
        using (socket)
        {
            var connection = new ServerConnection(socket, batching, context.Abort, hub, opts, time, metrics, logger, context.User, patterns);
            await connection.RunAsync(after, epoch, snapshots, context.User, context.RequestAborted);
        }
    }

    /// <summary>
    /// Completes the handshake. Over HTTP/1.1 the upgrade is done here, so that the socket writes
    /// through a <see cref="BatchingStream"/> (one syscall per drained batch, not per frame);
    /// anything else (WebSockets over HTTP/2) takes the framework's accept.
    /// </summary>
    private static async Task<(WebSocket Socket, BatchingStream? Batching)> AcceptAsync(HttpContext context)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var key = context.Request.Headers.SecWebSocketKey.ToString();
        if (upgrade is not { IsUpgradableRequest: true } || key.Length == 0)
        {
            return (await context.WebSockets.AcceptWebSocketAsync(), null);
        }
        context.Response.Headers.Connection = HeaderNames.Upgrade;
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers.SecWebSocketAccept = AcceptKey(key);
        var stream = new BatchingStream(await upgrade.UpgradeAsync());
        var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        return (socket, stream);
    }

    /// <summary>RFC 6455 section 4.2.2: base64(SHA-1(key + GUID)).</summary>
    internal static string AcceptKey(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

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

    internal static bool TryReadQuery(IQueryCollection query, out long? after, out string? epoch, out List<TypePattern> patterns, out string problem)
    {
        after = null;
        epoch = query["epoch"].ToString() is { Length: > 0 } e ? e : null;
        patterns = [];
        problem = "";
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
