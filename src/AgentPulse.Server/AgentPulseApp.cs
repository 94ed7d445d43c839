using AgentPulse.AspNetCore;
using AgentPulse.Server.Events;
using AgentPulse.Server.Identity;
using AgentPulse.Server.Security;
using OpenTelemetry.Metrics;

namespace AgentPulse.Server;

/// <summary>Builds the whole app; tests build it the same way, on a port of their own.</summary>
public static class AgentPulseApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var webUi = WebUi.Find();
        var builder = WebApplication.CreateBuilder(webUi.Options(args));
        ServerDefaults.Apply(builder);
        LogRedaction.Apply(builder.Services);
        webUi.Configure(builder);
        builder.Services.AddProblemDetails();
        builder.Services.AddAgentPulse(options => builder.Configuration.GetSection("AgentPulse").Bind(options))
            .AddTaskSnapshots()
            .AddEventLog(builder.Configuration);
        builder.Services.AddEvents(builder.Configuration);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("AgentPulse", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());
        builder.Services.AddAgents(builder.Configuration);
        builder.Services.AddAgentPulseIdentity(builder.Configuration);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseOriginCheck();
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapAgentPulse(JwtBearerSetup.WebSocketPath);
        app.MapEvents();
        app.MapAgents();
        app.MapIdentity();
        app.MapGet("/healthz", () => Results.Text("ok")).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics");
        webUi.Map(app);
        return app;
    }

    /// <summary>
    /// The log named by <c>AgentPulse:Log</c>: <c>Sqlite</c> (the default: <c>DataPath/events.db</c>,
    /// options under <c>AgentPulse:Sqlite</c>) or <c>Memory</c>.
    /// </summary>
    private static IAgentPulseBuilder AddEventLog(this IAgentPulseBuilder builder, IConfiguration configuration)
    {
        var log = configuration["AgentPulse:Log"] is { Length: > 0 } name ? name : "Sqlite";
        if (log.Equals("Memory", StringComparison.OrdinalIgnoreCase))
        {
            return builder;
        }
        if (!log.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"AgentPulse:Log is '{log}': use 'Sqlite' (durable, the default) or 'Memory'.");
        }
        var dataPath = configuration["DataPath"] is { Length: > 0 } path ? path : "./data";
        return builder.AddSqliteLog(options =>
        {
            options.Path = Path.Combine(dataPath, "events.db");
            configuration.GetSection("AgentPulse:Sqlite").Bind(options);
        });
    }
}
