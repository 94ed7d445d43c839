using Microsoft.Extensions.Logging;

namespace AgentPulse.Client;

public sealed partial class AgentPulseClient
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "State {State} (attempt {Attempt}, next delay {NextDelay}, reason {Reason}, gave up {GaveUp}, last close code {CloseCode}, error {Error}).")]
    private static partial void LogStatus(ILogger logger, ConnectionState state, int attempt, TimeSpan? nextDelay, DisconnectReason? reason, bool gaveUp, int? closeCode, string? error);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Connecting to {Url} (after {After}).")]
    private static partial void LogConnecting(ILogger logger, string url, long? after);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Connect failed.")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Welcome on connection {ConnectionId}: recovered {Recovered}, seq {Seq}, epoch {Epoch}.")]
    private static partial void LogWelcome(ILogger logger, string connectionId, bool recovered, long seq, string epoch);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Resync ({Reason}): epoch {Epoch}, seq {Seq}, {TaskCount} tasks in the snapshot.")]
    private static partial void LogResync(ILogger logger, ResyncReason reason, string epoch, long seq, int taskCount);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "The server was silent: {Reason} ({Detail}); dropping the connection ({Exception}).")]
    private static partial void LogSilent(ILogger logger, DisconnectReason reason, string detail, string exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Connection lost.")]
    private static partial void LogLost(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "The server closed the connection with {CloseCode}: {CloseReason}.")]
    private static partial void LogClosed(ILogger logger, int closeCode, string? closeReason);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Not reconnecting: the connection ended with {CloseCode} ({Reason}).")]
    private static partial void LogEnded(ILogger logger, int? closeCode, DisconnectReason reason);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Gave up reconnecting after {Attempts} attempts; the last ended: {Reason}.")]
    private static partial void LogGaveUp(ILogger logger, int attempts, DisconnectReason reason, Exception? exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "Dropped seq {Seq}: already seen up to {LastSeq}.")]
    private static partial void LogDuplicate(ILogger logger, long seq, long lastSeq);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Ignored a frame the client cannot read: {Problem}.")]
    private static partial void LogBadFrame(ILogger logger, string problem);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "The server reported {Code}: {Message}")]
    private static partial void LogSessionError(ILogger logger, string code, string message);

    [LoggerMessage(EventId = 14, Level = LogLevel.Debug, Message = "The server now sends {Types}.")]
    private static partial void LogSubscribed(ILogger logger, string types);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "The server speaks protocol version {ServerVersion}; this client speaks {ClientVersion}.")]
    private static partial void LogProtocolVersion(ILogger logger, int serverVersion, int clientVersion);

    [LoggerMessage(EventId = 16, Level = LogLevel.Error, Message = "A handler for {Pattern} failed on {Type} seq {Seq}; the other handlers and the connection go on.")]
    private static partial void LogHandlerFailed(ILogger logger, string pattern, string type, long seq, Exception exception);

    [LoggerMessage(EventId = 17, Level = LogLevel.Error, Message = "A {Callback} callback failed.")]
    private static partial void LogCallbackFailed(ILogger logger, string callback, Exception exception);

    [LoggerMessage(EventId = 18, Level = LogLevel.Critical, Message = "The connection loop failed; the client stopped.")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 19, Level = LogLevel.Error, Message = "The reconnect policy {Policy} failed; giving up.")]
    private static partial void LogPolicyFailed(ILogger logger, string policy, Exception exception);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Access token refreshed in band; it expires in {Seconds} s.")]
    private static partial void LogTokenRefreshed(ILogger logger, long? seconds);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "No new access token to refresh with ({Problem}); the server closes the connection with 4001 when the current one expires.")]
    private static partial void LogTokenRefreshFailed(ILogger logger, string problem, Exception? exception);

    [LoggerMessage(EventId = 22, Level = LogLevel.Debug, Message = "The access token expires in {Seconds} s; refreshing it in {Wait}.")]
    private static partial void LogRefreshScheduled(ILogger logger, long seconds, TimeSpan wait);
}
