using AgentPulse.LoadBalancer;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Transforms;

// The reference cluster's load balancer: one agents node, any number of stream nodes, all on one Redis.
var builder = WebApplication.CreateBuilder(args);
// Quiet but for its own start and the health of the nodes (no appsettings.json: it runs beside the nodes' own).
builder.Logging.AddFilter(null, LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
builder.Logging.AddFilter("Yarp.ReverseProxy.Health", LogLevel.Information);
builder.Services.AddOptions<LoadBalancerOptions>().Bind(builder.Configuration.GetSection("LoadBalancer")).ValidateDataAnnotations().ValidateOnStart();
var options = builder.Configuration.GetSection("LoadBalancer").Get<LoadBalancerOptions>() ?? new LoadBalancerOptions();
builder.Services.AddReverseProxy().LoadFromMemory(Routes(), Clusters(options));

var app = builder.Build();
app.MapReverseProxy(); // load balancing and passive health checks: a node that refuses connections is out at once
app.Run();

// The agents' API to the agents node; everything else (the WebSocket, POST /api/events, the page) to any node.
// The original Host goes on, so a node sees the page's own origin (its Origin check) as the browser does.
static RouteConfig[] Routes()
{
    RouteConfig Route(string id, string path, string cluster, int order) => new RouteConfig
    {
        RouteId = id,
        ClusterId = cluster,
        Order = order,
        Match = new RouteMatch { Path = path },
    }.WithTransformUseOriginalHostHeader();

    return
    [
        Route("documents", "/api/documents/{**rest}", "agents", 0),
        Route("search", "/api/search/{**rest}", "agents", 0),
        Route("tasks", "/api/tasks/{**rest}", "agents", 0),
        Route("stream", "/{**rest}", "stream", 1),
    ];
}

static ClusterConfig[] Clusters(LoadBalancerOptions options)
{
    var health = new HealthCheckConfig
    {
        // Asked every second: a node that does not answer twice in a row is taken out, and back in once it answers.
        Active = new ActiveHealthCheckConfig
        {
            Enabled = true,
            Interval = options.HealthCheckInterval,
            Timeout = options.HealthCheckInterval,
            Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
            Path = "/healthz",
        },
        // A node whose connections fail (killed, its port closed) is out before the next probe.
        Passive = new PassiveHealthCheckConfig
        {
            Enabled = true,
            Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
            ReactivationPeriod = TimeSpan.FromSeconds(5),
        },
    };
    var nodes = options.Nodes.Select((uri, i) => (Id: $"node{i + 1}", Uri: uri)).ToList();
    return
    [
        new ClusterConfig
        {
            ClusterId = "agents",
            HealthCheck = health,
            Destinations = new Dictionary<string, DestinationConfig> { ["agents"] = new() { Address = options.Agents?.ToString() ?? "" } },
        },
        new ClusterConfig
        {
            ClusterId = "stream",
            LoadBalancingPolicy = "RoundRobin",
            HealthCheck = health,
            Destinations = nodes.ToDictionary(n => n.Id, n => new DestinationConfig { Address = n.Uri.ToString() }),
        },
    ];
}
