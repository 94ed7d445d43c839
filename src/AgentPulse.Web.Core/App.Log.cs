using Microsoft.Extensions.Logging;

namespace AgentPulse.Web;

public sealed partial class App
{
    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "A view's assemblies ({Assemblies}) could not be loaded.")]
    private static partial void LogViewNotLoaded(ILogger logger, string assemblies, Exception exception);
}
