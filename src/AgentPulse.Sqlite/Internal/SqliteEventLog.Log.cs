using Microsoft.Extensions.Logging;

namespace AgentPulse.Sqlite.Internal;

internal sealed partial class SqliteEventLog
{
    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Event log {Path} open: epoch {Epoch}, last seq {LastSeq}, {Retained} events retained, synchronous {Synchronous}")]
    private static partial void LogOpened(ILogger logger, string path, string epoch, long lastSeq, int retained, SqliteSynchronous synchronous);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "Event log {Path}: a commit of {Count} events failed; their publishers were told, nothing was kept")]
    private static partial void LogCommitFailed(ILogger logger, string? path, int count, Exception? exception);

    [LoggerMessage(EventId = 303, Level = LogLevel.Error, Message = "Event log {Path}: reading after seq {AfterSeq} failed; the client starts over from a snapshot")]
    private static partial void LogReadFailed(ILogger logger, string? path, long afterSeq, Exception exception);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "Event log {Path}: trimming up to seq {UpTo} failed; a later trim retries")]
    private static partial void LogTrimFailed(ILogger logger, string? path, long upTo, Exception exception);

    [LoggerMessage(EventId = 305, Level = LogLevel.Debug, Message = "Event log: trimmed {Rows} events, up to seq {UpTo}")]
    private static partial void LogTrimmed(ILogger logger, int rows, long upTo);

    [LoggerMessage(EventId = 307, Level = LogLevel.Warning, Message = "Event log {Path} was open when the machine went down; with synchronous NORMAL its last commits may be lost, so it starts a new epoch {Epoch} (clients reload from a snapshot)")]
    private static partial void LogNewEpochAfterMachineRestart(ILogger logger, string path, string epoch);

    [LoggerMessage(EventId = 308, Level = LogLevel.Warning, Message = "Event log {Path}: recording a clean close failed; the next start after a machine restart will begin a new epoch")]
    private static partial void LogCloseFailed(ILogger logger, string? path, Exception exception);

    [LoggerMessage(EventId = 309, Level = LogLevel.Critical, Message = "Event log {Path}: the writer failed and takes no more events; restart the server")]
    private static partial void LogWriterFailed(ILogger logger, string? path, Exception exception);

    [LoggerMessage(EventId = 306, Level = LogLevel.Error, Message = "Event log: fan-out failed on the group from seq {Seq}; the events are committed")]
    private static partial void LogSinkFailed(ILogger logger, long seq, Exception exception);
}
