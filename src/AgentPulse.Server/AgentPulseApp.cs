using AgentPulse.AspNetCore;
using AgentPulse.Server.Events;
using OpenTelemetry.Metrics;

namespace AgentPulse.Server;

/// <summary>Builds the whole app; tests build it the same way, on a port of their own.</summary>
public static class AgentPulseApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var webUi = WebUi.Find();
        webUi.Configure(builder);
        builder.Services.AddProblemDetails();
        builder.Services.AddAgentPulse(options => builder.Configuration.GetSection("AgentPulse").Bind(options))
            .AddTaskSnapshots();
        builder.Services.AddOptions<EventsOptions>().Bind(builder.Configuration.GetSection("Events")).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("AgentPulse", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());
        builder.Services.AddAgents(builder.Configuration);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebSockets();
        app.MapAgentPulse("/ws/agents");
        app.MapEvents();
        app.MapAgents();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapPrometheusScrapingEndpoint("/metrics");
        webUi.Map(app);
        return app;
    }
}
