using AgentPulse.Server;
using Microsoft.AspNetCore.Builder;

namespace AgentPulse.Testing;

/// <summary>
/// The real server on Kestrel, 127.0.0.1 and an ephemeral port, with a data folder of its own.
/// Start a second one on the same data folder and port to simulate a restart.
/// </summary>
public sealed class RunningServer : AppHost
{
    private RunningServer(WebApplication app, string dataPath, bool ownsData)
        : base(app)
    {
        DataPath = dataPath;
        OwnsData = ownsData;
    }

    public string DataPath { get; }

    private bool OwnsData { get; set; }

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
        try
        {
            await app.StartAsync();
        }
        catch
        {
            // A start refused (options out of range, say) leaves nothing behind.
            await app.DisposeAsync();
            if (ownsData)
            {
                Directory.Delete(dataPath, recursive: true);
            }
            throw;
        }
        return new RunningServer(app, dataPath, ownsData);
    }

    /// <summary>
    /// Starts the app again on the port and data folder of <paramref name="stopped"/> (stopped with
    /// <see cref="StopAsync"/>), as a restart would; the new one deletes the folder when disposed.
    /// </summary>
    public static async Task<RunningServer> RestartAsync(RunningServer stopped, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(stopped);
        var server = await StartAsync(configure: configure, port: stopped.Port, dataPath: stopped.DataPath);
        server.OwnsData = true;
        return server;
    }

    /// <summary>Stops the app (connections get 1001) and keeps the data folder.</summary>
    public async Task StopAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
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
