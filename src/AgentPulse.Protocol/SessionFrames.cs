using System.Text.Json.Serialization;

namespace AgentPulse.Protocol;

/// <summary>A server frame that is not an event: <c>{"type":"session.…","data":{…}}</c>.</summary>
/// <typeparam name="TData">One of the session payload records.</typeparam>
public sealed record SessionFrame<TData>(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("data")] TData Data);

/// <summary><c>session.welcome</c>, the first frame of every connection.</summary>
/// <param name="ProtocolVersion">The wire protocol version (1).</param>
/// <param name="ConnectionId">The server's id for this connection.</param>
/// <param name="Epoch">The identity of the log; it changes when the log is reset.</param>
/// <param name="Seq">The last seq that this connection has been brought up to (by replay or snapshot); live events follow from the next one.</param>
/// <param name="Recovered">Whether a resume with <c>after</c> was honoured; when <c>false</c>, a <c>session.snapshot</c> follows.</param>
/// <param name="HeartbeatSeconds">The server sends something at least this often.</param>
/// <param name="TokenExpiresInSeconds">
/// When authentication is on and the connection's access token expires: the seconds until it does. The
/// server closes with 4001 then, unless the client sends an <c>authenticate</c> op with a new token first.
/// <c>null</c> (and left out of the frame) when there is no token or it does not expire.
/// </param>
public sealed record SessionWelcome(
    int ProtocolVersion,
    string ConnectionId,
    string Epoch,
    long Seq,
    bool Recovered,
    int HeartbeatSeconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? TokenExpiresInSeconds = null);

/// <summary><c>session.snapshot</c>: active and recently finished tasks, as of the welcome's seq.</summary>
public sealed record SessionSnapshot(IReadOnlyList<TaskRecord> Tasks);

/// <summary><c>session.heartbeat</c>: the server is alive; <paramref name="Seq"/> is the log's last seq.</summary>
public sealed record SessionHeartbeat(long Seq);

/// <summary><c>session.subscribed</c>: the whole subscription set after a subscribe or unsubscribe.</summary>
public sealed record SessionSubscribed(IReadOnlyList<string> Types);

/// <summary><c>session.pong</c>: the answer to a ping, with its id.</summary>
public sealed record SessionPong(string? Id);

/// <summary><c>session.authenticated</c>: the answer to an <c>authenticate</c> op whose token the server took.</summary>
/// <param name="TokenExpiresInSeconds">The seconds until the new token expires (the connection is closed with 4001 then, unless
/// refreshed again); <c>null</c> when it does not expire.</param>
public sealed record SessionAuthenticated(long? TokenExpiresInSeconds);

/// <summary><c>session.error</c>: an error that keeps the connection.</summary>
/// <param name="Code">A stable code (see <see cref="ErrorCodes"/>).</param>
/// <param name="Message">What went wrong, fit to show a developer.</param>
public sealed record SessionError(string Code, string Message);

/// <summary>The codes of <see cref="SessionError"/>.</summary>
public static class ErrorCodes
{
    /// <summary>The frame is not valid JSON or lacks what the operation needs.</summary>
    public const string BadRequest = "bad_request";
    /// <summary>The operation is not one of subscribe, unsubscribe, ping.</summary>
    public const string UnknownOp = "unknown_op";
    /// <summary>A binary frame: the protocol is text only.</summary>
    public const string BinaryNotSupported = "binary_not_supported";
    /// <summary>A type pattern is not an exact type, <c>prefix.*</c> or <c>*</c>.</summary>
    public const string BadPattern = "bad_pattern";
    /// <summary>A subscribe would take the connection past the server's cap on patterns; the server closes it with 1008.</summary>
    public const string TooManyPatterns = "too_many_patterns";
    /// <summary>The token of an <c>authenticate</c> op was refused (invalid, expired, another user's) or authentication is off; the connection keeps its current token.</summary>
    public const string Unauthorized = "unauthorized";
}

/// <summary>An operation sent by a client: <c>{"op":"subscribe","types":[…]}</c>, <c>{"op":"ping","id":"…"}</c>, <c>{"op":"authenticate","token":"…"}</c>.</summary>
public sealed record ClientOperation
{
    /// <summary>subscribe, unsubscribe, ping or authenticate (see <see cref="ClientOps"/>).</summary>
    [JsonPropertyName("op")]
    public string? Op { get; init; }

    /// <summary>The patterns for subscribe and unsubscribe.</summary>
    [JsonPropertyName("types")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Types { get; init; }

    /// <summary>The id a ping wants echoed.</summary>
    [JsonPropertyName("id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; init; }

    /// <summary>The new access token of an authenticate op.</summary>
    [JsonPropertyName("token")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Token { get; init; }
}

/// <summary>The names of client operations.</summary>
public static class ClientOps
{
    /// <summary>Adds patterns to the subscription set.</summary>
    public const string Subscribe = "subscribe";
    /// <summary>Removes patterns from the subscription set.</summary>
    public const string Unsubscribe = "unsubscribe";
    /// <summary>Asks for a <c>session.pong</c>.</summary>
    public const string Ping = "ping";
    /// <summary>Replaces the connection's access token before it expires (answered by <c>session.authenticated</c>).</summary>
    public const string Authenticate = "authenticate";
}

/// <summary>The WebSocket close codes of the protocol.</summary>
public static class CloseCodes
{
    /// <summary>Normal closure: the client does not reconnect.</summary>
    public const int Normal = 1000;
    /// <summary>The server is shutting down: reconnect, with jitter.</summary>
    public const int GoingAway = 1001;
    /// <summary>No close frame was received (the connection was lost): reconnect.</summary>
    public const int Abnormal = 1006;
    /// <summary>Policy violation (a flood of bad frames, more subscription patterns than the server allows).</summary>
    public const int PolicyViolation = 1008;
    /// <summary>A frame over the size limit.</summary>
    public const int MessageTooBig = 1009;
    /// <summary>Not authenticated or no longer authorized: do not reconnect.</summary>
    public const int Unauthorized = 4001;
    /// <summary>Slow consumer: the server's bounded queue for this client overflowed; reconnect with <c>after</c>.</summary>
    public const int SlowConsumer = 4008;
}
