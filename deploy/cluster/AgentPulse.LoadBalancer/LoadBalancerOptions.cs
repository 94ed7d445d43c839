using System.ComponentModel.DataAnnotations;

namespace AgentPulse.LoadBalancer;

/// <summary>Where the nodes are (configuration section <c>LoadBalancer</c>). Validated at start.</summary>
public sealed class LoadBalancerOptions
{
    /// <summary>The node that runs the agents (<c>Agents:Enabled=true</c>): its documents and index live there (required).</summary>
    [Required]
    public Uri? Agents { get; set; }

    /// <summary>Every node, the agents node included: the WebSocket and <c>POST /api/events</c> are spread over them (required, one or more).</summary>
    [MinLength(1)]
    public IList<Uri> Nodes { get; } = new List<Uri>();

    /// <summary>How often each node's <c>/healthz</c> is asked (default: 1 second).</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(1);
}
