using AgentPulse.AspNetCore;
using AgentPulse.Sqlite;
using AgentPulse.Sqlite.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentPulse.Sqlite.Tests;

/// <summary>The library alone on Kestrel (127.0.0.1, an ephemeral port) with the SQLite log on <see cref="Path"/>.</summary>
internal sealed class LogHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private LogHost(WebApplication app, string path, Uri baseAddress)
    {
        this.app = app;
        Path = path;
        BaseAddress = baseAddress;
    }

    public string Path { get; }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => app.Services;

    public IEventPublisher Publisher => app.Services.GetRequiredService<IEventPublisher>();

    public SqliteEventLog Log => (SqliteEventLog)app.Services.GetRequiredService<IEventLog>();

    public Uri WebSocketUri(string? query = null) =>
        new($"ws://127.0.0.1:{BaseAddress.Port}/ws/agents{(string.IsNullOrEmpty(query) ? "" : "?" + query)}");

    public static string NewPath() =>
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agentpulse-tests", Guid.NewGuid().ToString("N"), "events.db");

    public static async Task<LogHost> StartAsync(
        string path,
        Action<AgentPulseOptions>? agentPulse = null,
        Action<SqliteEventLogOptions>? sqlite = null,
        TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }
        builder.Services.AddAgentPulse(agentPulse).AddTaskSnapshots().AddSqliteLog(o =>
        {
            o.Path = path;
            sqlite?.Invoke(o);
        });
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
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LogHost(app, path, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>Deletes the folder of a database made by <see cref="NewPath"/>.</summary>
    public static void DeleteFolder(string path)
    {
        try
        {
            Directory.Delete(System.IO.Path.GetDirectoryName(path)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
