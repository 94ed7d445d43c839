using AgentPulse.AspNetCore;
using AgentPulse.Server.Configuration;
using AgentPulse.Server.Events;
using AgentPulse.Server.Storage;
using AgentPulse.Server.Identity;
using AgentPulse.Server.Security;
using Microsoft.Extensions.Options;
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
        var log = EventLogChoice.Read(builder.Configuration).Kind;
        builder.Services.AddAgentPulse(options => builder.Configuration.GetSection("AgentPulse").Bind(options))
            .AddTaskSnapshots()
            .AddEventLog(builder.Configuration, log);
        // Every key under AgentPulse: is checked at start: a misspelt one stops it, an unknown one is logged.
        builder.Services.AddSingleton<ConfigurationCheck>();
        builder.Services.AddSingleton<IValidateOptions<AgentPulseOptions>>(sp => sp.GetRequiredService<ConfigurationCheck>());
        builder.Services.AddHostedService<ConfigurationReport>();
        builder.Services.AddEvents(builder.Configuration);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("AgentPulse", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());
        // A cluster runs the agents on some nodes only (their documents and index stay on that node's DataPath).
        var agents = builder.Configuration.GetSection("Agents").GetValue("Enabled", true);
        if (agents)
        {
            builder.Services.AddAgents(builder.Configuration);
            if (log == EventLogKind.Redis)
            {
                builder.Services.Configure<AgentsOptions>(options => options.SeedSnapshotFromStore = false);
            }
        }
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
        if (agents)
        {
            app.MapAgents();
        }
        app.MapIdentity();
        app.MapGet("/healthz", () => Results.Text("ok")).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics");
        webUi.Map(app);
        return app;
    }

    /// <summary>
    /// The log the configuration asks for (<see cref="EventLogChoice"/>): <c>Sqlite</c> (the default:
    /// <c>DataPath/events.db</c>, options under <c>AgentPulse:Sqlite</c>), <c>Memory</c>, or <c>Redis</c> (options
    /// under <c>AgentPulse:Redis</c>). A contradiction stops the start (<see cref="ConfigurationCheck"/>).
    /// </summary>
    private static IAgentPulseBuilder AddEventLog(this IAgentPulseBuilder builder, IConfiguration configuration, EventLogKind log)
    {
        switch (log)
        {
            case EventLogKind.Memory:
                return builder;
            case EventLogKind.Redis:
                return builder.AddRedis(options => configuration.GetSection("AgentPulse:Redis").Bind(options));
            default:
                var dataPath = StorageOptions.DataPathOf(configuration);
                return builder.AddSqliteLog(options =>
                {
                    options.Path = Path.Combine(dataPath, "events.db");
                    configuration.GetSection("AgentPulse:Sqlite").Bind(options);
                });
        }
    }
}
