using Microsoft.Extensions.Logging;

namespace AgentPulse.Web;

public sealed partial class PageLifecycle
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The page's lifecycle events could not be hooked; the connection works without them.")]
    private static partial void LogLifecycleUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "The connection gave up: {Reason}")]
    private static partial void LogGaveUp(ILogger logger, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "A browser notification could not be shown.")]
    private static partial void LogNotificationFailed(ILogger logger, Exception exception);
}
