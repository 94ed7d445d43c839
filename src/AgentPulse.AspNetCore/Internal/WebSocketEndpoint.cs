using System.Globalization;
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

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new ServerConnection(socket, hub, opts, time, metrics, logger, context.User, patterns);
        await connection.RunAsync(after, epoch, snapshots, context.User, context.RequestAborted);
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
