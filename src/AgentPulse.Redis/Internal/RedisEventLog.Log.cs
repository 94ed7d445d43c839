using AgentPulse.AspNetCore;
using Microsoft.Extensions.Logging;

namespace AgentPulse.Redis.Internal;

internal sealed partial class RedisEventLog
{
    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "Event log on Redis {Where}, stream {Stream}: epoch {Epoch}, last seq {LastSeq}, {Retained} events retained")]
    private static partial void LogOpened(ILogger logger, string where, string stream, string epoch, long lastSeq, int retained);

    [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "Event log: a new epoch {Epoch}, continuing after seq {Base} (the stream in Redis was new, or lost: restarted empty, deleted, or restored from an older copy)")]
    private static partial void LogEpochMade(ILogger logger, string epoch, long @base);

    [LoggerMessage(EventId = 503, Level = LogLevel.Warning, Message = "Event log: continuity lost ({Reason}); epoch {Epoch}, going on after seq {LastSeq}")]
    private static partial void LogReset(ILogger logger, LogResetReason reason, string epoch, long lastSeq);

    [LoggerMessage(EventId = 504, Level = LogLevel.Error, Message = "Event log: the reader lost Redis at {Where} after seq {Seq}; retrying, it goes on from the same seq")]
    private static partial void LogReaderFailed(ILogger logger, string where, long seq, Exception exception);

    [LoggerMessage(EventId = 505, Level = LogLevel.Information, Message = "Event log: the reader is back on Redis at {Where}, going on after seq {Seq} ({Failures} failed reads)")]
    private static partial void LogReaderResumed(ILogger logger, string where, long seq, int failures);

    [LoggerMessage(EventId = 506, Level = LogLevel.Warning, Message = "Event log: reading after seq {AfterSeq} from Redis failed; the client starts over from a snapshot")]
    private static partial void LogReadFailed(ILogger logger, long afterSeq, Exception exception);

    [LoggerMessage(EventId = 507, Level = LogLevel.Warning, Message = "Event log: Redis refused an append ({Why}; this node's epoch {Epoch}); checking the epoch")]
    private static partial void LogAppendRefused(ILogger logger, string why, string epoch);

    [LoggerMessage(EventId = 508, Level = LogLevel.Debug, Message = "Event log: trimming by age failed ({Message}); the next trim retries")]
    private static partial void LogTrimFailed(ILogger logger, string message);

    [LoggerMessage(EventId = 509, Level = LogLevel.Error, Message = "Event log: the stream entry of seq {Seq} cannot be read (not written by AgentPulse?); it is skipped, and the clients told")]
    private static partial void LogBadEntry(ILogger logger, long seq);

    [LoggerMessage(EventId = 511, Level = LogLevel.Critical, Message = "Event log: the reader failed after seq {Seq}; it starts over from the same seq")]
    private static partial void LogReaderFault(ILogger logger, long seq, Exception exception);

    [LoggerMessage(EventId = 510, Level = LogLevel.Error, Message = "Event log: fan-out failed on the entries from seq {Seq}")]
    private static partial void LogSinkFailed(ILogger logger, long seq, Exception exception);
}
