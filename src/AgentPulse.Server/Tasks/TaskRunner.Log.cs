namespace AgentPulse.Server.Tasks;

internal sealed partial class TaskRunner
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Task {TaskId} ({Kind}) threw")]
    private static partial void LogTaskCrashed(ILogger logger, string taskId, string kind, Exception exception);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Task {TaskId} failed: {Code}: {Reason}")]
    private static partial void LogTaskFailed(ILogger logger, string taskId, string code, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Cancelling task {TaskId}")]
    private static partial void LogCancelling(ILogger logger, string taskId);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Task {TaskId} left unfinished: the server is stopping")]
    private static partial void LogAbandoned(ILogger logger, string taskId);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Could not record the end of task {TaskId}")]
    private static partial void LogFinishFailed(ILogger logger, string taskId, Exception exception);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "{Count} tasks did not stop within the shutdown timeout; left behind, they are failed as interrupted at the next start")]
    private static partial void LogLeftRunning(ILogger logger, int count);
}
