using AgentPulse.AspNetCore;
using AgentPulse.Sqlite;
using AgentPulse.Sqlite.Internal;
using AgentPulse.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.Sqlite.Tests;

/// <summary>The library alone on Kestrel (127.0.0.1, an ephemeral port) with the SQLite log on <see cref="Path"/>.</summary>
internal sealed class LogHost : AppHost
{
    private LogHost(WebApplication app, string path)
        : base(app) => Path = path;

    public string Path { get; }

    public IEventPublisher Publisher => Get<IEventPublisher>();

    public SqliteEventLog Log => (SqliteEventLog)Get<IEventLog>();

    public static string NewPath() =>
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agentpulse-tests", Guid.NewGuid().ToString("N"), "events.db");

    public static async Task<LogHost> StartAsync(
        string path,
        Action<AgentPulseOptions>? agentPulse = null,
        Action<SqliteEventLogOptions>? sqlite = null,
        TimeProvider? time = null) =>
        new(await StartLibraryAppAsync(builder =>
        {
            if (time is not null)
            {
                builder.Services.AddSingleton(time);
            }
            builder.Services.AddAgentPulse(agentPulse).AddTaskSnapshots().AddSqliteLog(o =>
            {
                o.Path = path;
                sqlite?.Invoke(o);
            });
        }), path);

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
