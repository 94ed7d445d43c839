using AgentPulse.AspNetCore;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Security;

/// <summary>
/// Requests that a page of another site can make a browser send: every state-changing one (any method
/// but GET, HEAD, OPTIONS and TRACE) must come from an allowed origin, by the WebSocket's own rule
/// (<see cref="OriginPolicy"/>, <c>AgentPulse:AllowedOrigins</c>). JSON endpoints take only a JSON
/// content type (<see cref="RequireJson"/>), which a cross-site form cannot send without a preflight.
/// </summary>
internal static class CrossSite
{
    public static IApplicationBuilder UseOriginCheck(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<AgentPulseOptions>>();
        return app.Use(async (context, next) =>
        {
            var method = context.Request.Method;
            var safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
            if (!safe && !OriginPolicy.IsAllowed(context.Request, options.Value))
            {
                await Problems.Create(StatusCodes.Status403Forbidden, "Origin not allowed",
                    $"Pages from {context.Request.Headers.Origin} may not change anything here; add the origin to AgentPulse:AllowedOrigins.").ExecuteAsync(context);
                return;
            }
            await next(context);
        });
    }

    /// <summary>415 problem details unless the request says its body is JSON (<c>application/json</c> or <c>…+json</c>); <c>null</c> when it does.</summary>
    public static IResult? RequireJson(HttpRequest request, string example) =>
        request.HasJsonContentType()
            ? null
            : Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Send JSON", $"Send the body as application/json, such as {example}.");
}
