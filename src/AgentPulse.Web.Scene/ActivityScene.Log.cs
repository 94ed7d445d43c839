using Microsoft.Extensions.Logging;
using Microsoft.JSInterop;

namespace AgentPulse.Web.Scene;

public sealed partial class ActivityScene
{
    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "The 3D view could not start.")]
    private static partial void LogSceneUnavailable(ILogger logger, JSException exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "The 3D scene could not show a snapshot; the next one is tried.")]
    private static partial void LogSnapshotFailed(ILogger logger, JSException exception);
}
