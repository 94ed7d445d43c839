namespace AgentPulse.Server.Configuration;

/// <summary>At start, logs a warning for each key under <c>AgentPulse:</c> that nothing reads (the errors have stopped the start already).</summary>
internal sealed partial class ConfigurationReport(ConfigurationCheck check, ILogger<ConfigurationReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var warning in check.Run().Warnings)
        {
            LogUnknownKey(logger, warning);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogUnknownKey(ILogger logger, string warning);
}
