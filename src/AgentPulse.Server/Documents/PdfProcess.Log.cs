namespace AgentPulse.Server.Documents;

internal sealed partial class PdfProcess
{
    [LoggerMessage(EventId = 4202, Level = LogLevel.Debug, Message = "Reading {Name} in process {ProcessId}")]
    private static partial void LogStarted(ILogger logger, string name, int processId);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Debug, Message = "Read {Name} in process {ProcessId}: {Pages} pages, peak memory {PeakMegabytes} MB")]
    private static partial void LogRead(ILogger logger, string name, int processId, int pages, long peakMegabytes);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "Reading {Name} failed: the reader exited with code {ExitCode}: {Errors}")]
    private static partial void LogFailed(ILogger logger, string name, int exitCode, string errors);
}
