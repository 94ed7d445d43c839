using AgentPulse.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentPulse.Testing;

/// <summary>A started app on Kestrel at 127.0.0.1 and an ephemeral port: its address, services and WebSocket endpoint.</summary>
public abstract class AppHost : IAsyncDisposable
{
    protected AppHost(WebApplication app)
    {
        App = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
    }

    public WebApplication App { get; }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; }

    public int Port => BaseAddress.Port;

    public IServiceProvider Services => App.Services;

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>ws://127.0.0.1:port/ws/agents plus <paramref name="query"/> (without '?').</summary>
    public Uri WebSocketUri(string? query = null) =>
        new($"ws://127.0.0.1:{Port}/ws/agents{(string.IsNullOrEmpty(query) ? "" : "?" + query)}");

    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress };

    /// <summary>
    /// Starts the library alone, as any ASP.NET Core app would host it: Kestrel on 127.0.0.1 and an ephemeral
    /// port, the endpoint at /ws/agents, and the services <paramref name="configure"/> adds (its log among them).
    /// </summary>
    protected static async Task<WebApplication> StartLibraryAppAsync(Action<WebApplicationBuilder> configure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configure(builder);
        var app = builder.Build();
        app.UseWebSockets();
        app.MapAgentPulse("/ws/agents");
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return app;
    }

    /// <summary>Stops the app (connections get 1001) and disposes it.</summary>
    public virtual async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync();
        }
        catch (ObjectDisposedException)
        {
        }
        await App.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
