using AgentPulse.AspNetCore;
using AgentPulse.Sqlite;
using AgentPulse.Sqlite.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite event log.</summary>
public static class AgentPulseSqliteServiceCollectionExtensions
{
    /// <summary>
    /// Keeps AgentPulse's events in a SQLite database instead of memory: the epoch and seqs survive
    /// restarts and crashes, a publish is acknowledged once committed, and a client that resumes after a
    /// restart gets exactly what it missed. Replaces whatever <see cref="IEventLog"/> was registered.
    /// </summary>
    public static IAgentPulseBuilder AddSqliteLog(this IAgentPulseBuilder builder, Action<SqliteEventLogOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<SqliteEventLogOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        builder.Services.Replace(ServiceDescriptor.Singleton<IEventLog, SqliteEventLog>());
        return builder;
    }
}
