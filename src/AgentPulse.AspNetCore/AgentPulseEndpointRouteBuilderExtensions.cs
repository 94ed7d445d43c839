using AgentPulse.AspNetCore.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the AgentPulse WebSocket endpoint.</summary>
public static class AgentPulseEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the WebSocket endpoint of the protocol at <paramref name="pattern"/> (such as <c>/ws/agents</c>).
    /// A request that is not a WebSocket upgrade gets 400 problem details. Connections are accepted over
    /// HTTP/1.1 (upgrade) and HTTP/2 (extended CONNECT); no WebSocket extension is negotiated. Needs
    /// <c>app.UseWebSockets()</c> before it, which tells a WebSocket request from another.
    /// </summary>
    public static IEndpointConventionBuilder MapAgentPulse(this IEndpointRouteBuilder endpoints, string pattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.Map(pattern, (HttpContext context) =>
                context.RequestServices.GetRequiredService<WebSocketEndpoint>().HandleAsync(context))
            .WithDisplayName("AgentPulse WebSocket");
    }
}
