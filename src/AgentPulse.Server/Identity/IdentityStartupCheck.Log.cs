namespace AgentPulse.Server.Identity;

internal sealed partial class IdentityStartupCheck
{
    [LoggerMessage(EventId = 4301, Level = LogLevel.Information, Message = "Authentication is off: everything is public; events are published from this machine, or with one of {KeyCount} API keys.")]
    private static partial void LogOpen(ILogger logger, int keyCount);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Warning, Message = "Authentication is on with the development signing key: anyone can sign in as anyone through /api/auth/development-token ({Where}). For a deployment set Identity:Authority or Identity:SigningKey.")]
    private static partial void LogDevelopmentKey(ILogger logger, string where);

    [LoggerMessage(EventId = 4303, Level = LogLevel.Information, Message = "Authentication is on: tokens from {Issuer}; {KeyCount} publisher API keys.")]
    private static partial void LogAuthenticated(ILogger logger, string issuer, int keyCount);
}
