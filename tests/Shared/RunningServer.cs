using AgentPulse.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.Testing;

/// <summary>
/// The real server on Kestrel, 127.0.0.1 and an ephemeral port, with a data folder of its own.
/// Start a second one on the same data folder and port to simulate a restart.
/// </summary>
public sealed class RunningServer : IAsyncDisposable
{
    private RunningServer(WebApplication app, Uri baseAddress, string dataPath, bool ownsData)
    {
        App = app;
        BaseAddress = baseAddress;
        DataPath = dataPath;
        OwnsData = ownsData;
    }

    public WebApplication App { get; }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; }

    public string DataPath { get; }

    private bool OwnsData { get; }

    public int Port => BaseAddress.Port;

    public IServiceProvider Services => App.Services;

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>ws://127.0.0.1:port/ws/agents plus <paramref name="query"/> (without '?').</summary>
    public Uri WebSocketUri(string? query = null) =>
        new($"ws://127.0.0.1:{Port}/ws/agents{(string.IsNullOrEmpty(query) ? "" : "?" + query)}");

    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress };

    /// <summary>Starts the app. <paramref name="settings"/> are configuration keys such as "AgentPulse:SendQueueCapacity".</summary>
    public static async Task<RunningServer> StartAsync(
        IDictionary<string, string?>? settings = null,
        Action<WebApplicationBuilder>? configure = null,
        int port = 0,
        string? dataPath = null)
    {
        var ownsData = dataPath is null;
        dataPath ??= Path.Combine(Path.GetTempPath(), "agentpulse-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataPath);
        var args = new List<string> { $"--urls=http://127.0.0.1:{port}", $"--DataPath={dataPath}", "--Logging:LogLevel:Default=Warning" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            args.Add($"--{key}={value}");
        }
        var app = AgentPulseApp.Build([.. args], configure);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningServer(app, new Uri(address.EndsWith('/') ? address : address + "/"), dataPath, ownsData);
    }

    /// <summary>Stops the app (connections get 1001) and keeps the data folder.</summary>
    public async Task StopAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync();
        }
        catch (ObjectDisposedException)
        {
        }
        await App.DisposeAsync();
        if (OwnsData)
        {
            try
            {
                Directory.Delete(DataPath, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
