namespace AgentPulse.Server.Documents;

internal sealed partial class DocumentAgent
{
    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "Deleting document {DocumentId}: waiting for its task {TaskId} to end")]
    private static partial void LogWaitingForTask(ILogger logger, string documentId, string taskId);
}
