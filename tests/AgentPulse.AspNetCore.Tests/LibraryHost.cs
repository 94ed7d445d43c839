using System.Net;
using AgentPulse.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentPulse.AspNetCore.Tests;

/// <summary>
/// The library alone, as any ASP.NET Core app would host it: <c>AddAgentPulse().AddTaskSnapshots()</c>,
/// <c>UseWebSockets()</c>, <c>MapAgentPulse("/ws/agents")</c>, on Kestrel at 127.0.0.1 and an
/// ephemeral port; HTTP/1.1 by default, or cleartext HTTP/2 only (WebSockets over extended CONNECT).
/// </summary>
internal sealed class LibraryHost : AppHost
{
    private LibraryHost(WebApplication app, bool http2)
        : base(app) => Http2 = http2;

    /// <summary>Whether the endpoint speaks HTTP/2 only (and <see cref="ConnectAsync"/> connects over it).</summary>
    public bool Http2 { get; }

    /// <summary>A raw protocol client, over this host's HTTP version.</summary>
    public Task<RawClient> ConnectAsync(string? query = null, string? origin = null) =>
        RawClient.ConnectAsync(WebSocketUri(query), origin, Http2);

    /// <summary>Starts the host. <paramref name="settings"/> are configuration keys such as "AgentPulse:SendQueueCapacity".</summary>
    public static async Task<LibraryHost> StartAsync(
        IDictionary<string, string?>? settings = null,
        Action<WebApplicationBuilder>? configure = null,
        bool http2 = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
            listen.Protocols = http2 ? HttpProtocols.Http2 : HttpProtocols.Http1));
        builder.Services.AddProblemDetails();
        builder.Services.AddAgentPulse(options => builder.Configuration.GetSection("AgentPulse").Bind(options))
            .AddTaskSnapshots();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseWebSockets();
        app.MapAgentPulse("/ws/agents");
        await app.StartAsync();
        return new LibraryHost(app, http2);
    }
}
