using Microsoft.Extensions.Logging;

namespace AgentPulse.AspNetCore.Internal;

internal sealed partial class ServerConnection
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Connection {ConnectionId} opened (after: {After}, user: {User}).")]
    private static partial void LogOpened(ILogger logger, string connectionId, long? after, string? user);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Connection {ConnectionId} closed ({Code} {Reason}).")]
    private static partial void LogClosed(ILogger logger, string connectionId, int code, string reason);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Connection {ConnectionId} overflowed its send queue of {Capacity} frames; closing with 4008.")]
    private static partial void LogOverflow(ILogger logger, string connectionId, int capacity);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "Connection {ConnectionId} sent a frame over {Max} bytes; closing with 1009.")]
    private static partial void LogTooBig(ILogger logger, string connectionId, int max);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Connection {ConnectionId} sent {Count} invalid frames in the window; closing with 1008.")]
    private static partial void LogFlood(ILogger logger, string connectionId, int count);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Connection {ConnectionId}: its access token expired; closing with 4001.")]
    private static partial void LogTokenExpired(ILogger logger, string connectionId);

    [LoggerMessage(EventId = 206, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: access token refreshed in band; it expires in {Seconds} s.")]
    private static partial void LogRefreshed(ILogger logger, string connectionId, long? seconds);

    [LoggerMessage(EventId = 207, Level = LogLevel.Information, Message = "Connection {ConnectionId}: an in-band token refresh was refused: {Problem}")]
    private static partial void LogRefreshRefused(ILogger logger, string connectionId, string problem);

    [LoggerMessage(EventId = 208, Level = LogLevel.Warning, Message = "Connection {ConnectionId} asked for {Count} subscription patterns, over the cap of {Max}; closing with 1008.")]
    private static partial void LogTooManyPatterns(ILogger logger, string connectionId, int count, int max);
}
