using AgentPulse.Client;

namespace AgentPulse.Web;

/// <summary>Where the app's one connection goes.</summary>
public static class ConnectionUrl
{
    /// <summary>The path of the server's WebSocket endpoint.</summary>
    public const string DefaultPath = "ws/agents";

    /// <summary>
    /// The WebSocket URL: <paramref name="configured"/> (configuration key <c>AgentPulse:Url</c>) when set,
    /// absolute (<c>ws://localhost:8000/ws/agents</c>) or relative to the page; otherwise
    /// <c>ws/agents</c> on the page's own origin. <c>http</c> becomes <c>ws</c>, <c>https</c> becomes <c>wss</c>.
    /// </summary>
    /// <param name="configured">The configured URL; <c>null</c> or blank for the page's origin.</param>
    /// <param name="pageBase">The page's base address, such as <c>http://localhost:8000/</c>.</param>
    public static Uri Resolve(string? configured, Uri pageBase)
    {
        ArgumentNullException.ThrowIfNull(pageBase);
        var target = string.IsNullOrWhiteSpace(configured)
            ? new Uri(pageBase, DefaultPath)
            : new Uri(pageBase, configured.Trim());
        return AgentPulseClientOptions.ToWebSocketUrl(target);
    }
}
