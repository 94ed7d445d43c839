namespace AgentPulse.Protocol;

/// <summary>The type names of the event catalog and of the session frames.</summary>
public static class EventTypes
{
    /// <summary>An agent starts a task (<see cref="TaskStarted"/>).</summary>
    public const string TaskStarted = "task.started";
    /// <summary>A step of a task advances (<see cref="TaskProgress"/>).</summary>
    public const string TaskProgress = "task.progress";
    /// <summary>A task ends well (<see cref="TaskCompleted"/>).</summary>
    public const string TaskCompleted = "task.completed";
    /// <summary>A task ends badly (<see cref="TaskFailed"/>).</summary>
    public const string TaskFailed = "task.failed";
    /// <summary>A document is searchable (<see cref="DocumentIndexed"/>).</summary>
    public const string DocumentIndexed = "document.indexed";
    /// <summary>A search has its results (<see cref="SearchCompleted"/>).</summary>
    public const string SearchCompleted = "search.completed";

    /// <summary>First frame of every connection (<see cref="SessionWelcome"/>).</summary>
    public const string SessionWelcome = "session.welcome";
    /// <summary>The state of tasks when a connection was not recovered (<see cref="SessionSnapshot"/>).</summary>
    public const string SessionSnapshot = "session.snapshot";
    /// <summary>Sent when nothing else was sent for the heartbeat interval (<see cref="SessionHeartbeat"/>).</summary>
    public const string SessionHeartbeat = "session.heartbeat";
    /// <summary>The answer to subscribe and unsubscribe (<see cref="SessionSubscribed"/>).</summary>
    public const string SessionSubscribed = "session.subscribed";
    /// <summary>The answer to ping (<see cref="SessionPong"/>).</summary>
    public const string SessionPong = "session.pong";
    /// <summary>An error that keeps the connection (<see cref="SessionError"/>).</summary>
    public const string SessionError = "session.error";

    /// <summary>The answer to authenticate (<see cref="SessionAuthenticated"/>).</summary>
    public const string SessionAuthenticated = "session.authenticated";

    /// <summary>The prefix of every session frame type.</summary>
    public const string SessionPrefix = "session.";

    /// <summary>The six types of the event catalog.</summary>
    public static IReadOnlyList<string> Catalog { get; } =
        [TaskStarted, TaskProgress, TaskCompleted, TaskFailed, DocumentIndexed, SearchCompleted];

    /// <summary>The catalog type name of a payload record.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not a catalog payload.</exception>
    public static string For<T>() => For(typeof(T));

    /// <summary>The catalog type name of a payload record type.</summary>
    /// <exception cref="NotSupportedException"><paramref name="payloadType"/> is not a catalog payload.</exception>
    public static string For(Type payloadType) => payloadType switch
    {
        _ when payloadType == typeof(Protocol.TaskStarted) => TaskStarted,
        _ when payloadType == typeof(Protocol.TaskProgress) => TaskProgress,
        _ when payloadType == typeof(Protocol.TaskCompleted) => TaskCompleted,
        _ when payloadType == typeof(Protocol.TaskFailed) => TaskFailed,
        _ when payloadType == typeof(Protocol.DocumentIndexed) => DocumentIndexed,
        _ when payloadType == typeof(Protocol.SearchCompleted) => SearchCompleted,
        _ => throw new NotSupportedException($"{payloadType.Name} is not a payload of the event catalog."),
    };
}
