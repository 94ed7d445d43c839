namespace AgentPulse.Server.Configuration;

/// <summary>The event logs the app can run on.</summary>
internal enum EventLogKind
{
    /// <summary>SQLite in <c>DataPath/events.db</c>: durable, one node.</summary>
    Sqlite,

    /// <summary>In memory: lost on restart, one node.</summary>
    Memory,

    /// <summary>One Redis stream shared by every node.</summary>
    Redis,
}

/// <summary>
/// Which log the configuration asks for: <c>AgentPulse:Log</c> (<c>Sqlite</c>, <c>Memory</c> or <c>Redis</c>);
/// unset, Redis when <c>AgentPulse:Redis:Configuration</c> is set, else SQLite. A contradiction is an error:
/// Redis settings with another log would leave each node a log of its own while the settings look used.
/// </summary>
internal readonly record struct EventLogChoice(EventLogKind Kind, string? Error)
{
    public static EventLogChoice Read(IConfiguration configuration)
    {
        var redis = configuration["AgentPulse:Redis:Configuration"] is { Length: > 0 };
        var named = configuration["AgentPulse:Log"];
        if (string.IsNullOrEmpty(named))
        {
            return new(redis ? EventLogKind.Redis : EventLogKind.Sqlite, null);
        }
        if (!Enum.TryParse<EventLogKind>(named, ignoreCase: true, out var kind) || !Enum.IsDefined(kind) || named.Any(char.IsAsciiDigit))
        {
            return new(EventLogKind.Sqlite, $"AgentPulse:Log is '{named}': use Sqlite (durable, the default), Memory, or Redis (shared by several nodes).");
        }
        if (kind == EventLogKind.Redis && !redis)
        {
            return new(kind, "AgentPulse:Log is Redis, but AgentPulse:Redis:Configuration is not set: set it to where Redis runs, such as 127.0.0.1:6379.");
        }
        if (kind != EventLogKind.Redis && redis)
        {
            return new(kind, $"AgentPulse:Redis:Configuration is set, but AgentPulse:Log is {kind}: this node would keep a log of its own, apart from the other nodes. Set AgentPulse:Log to Redis, or remove the Redis settings.");
        }
        return new(kind, null);
    }
}
