using OpenTelemetry.Metrics;

namespace AgentPulse.Bench.Server;

/// <summary>
/// The host of the baselines (SignalR, hand-written), made like <c>AgentPulseApp</c>'s, so that every
/// server pays for the same hosting: <c>appsettings.json</c> (the same log levels), problem details, the
/// exception handler and status code pages, and OpenTelemetry metrics with the Prometheus exporter on
/// the hosting and Kestrel meters plus the library's own.
/// </summary>
internal static class BaselineHosting
{
    public static WebApplicationBuilder CreateBuilder(string[] hostArgs, params string[] libraryMeters)
    {
        var builder = WebApplication.CreateBuilder(hostArgs);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter([.. libraryMeters, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"])
            .AddPrometheusExporter());
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder, Action<WebApplication> map)
    {
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        map(app);
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
