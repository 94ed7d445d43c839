using AgentPulse.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>Opens the log at start, runs the heartbeat scan, and closes every connection with 1001 when the app stops.</summary>
internal sealed partial class EventHubService(EventHub hub, IOptions<AgentPulseOptions> options, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<EventHubService> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private Task? heartbeats;
    private CancellationTokenRegistration onStopping;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // First of AgentPulse's services, so the log is open before anything registered later publishes.
        await hub.StartAsync(cancellationToken);
        LogCaps(logger, options.Value.MaxConnections, options.Value.MaxConnectionsPerIp, ConnectionBudget.ForThisProcess.OpenFileLimit);
        heartbeats = HeartbeatLoopAsync(stopping.Token);
        // ApplicationStopping fires before the server stops taking requests and waits for open ones,
        // so the close frames go out while Kestrel still drains the WebSocket requests.
        onStopping = lifetime.ApplicationStopping.Register(() => CloseAll(CloseCodes.GoingAway, "server shutting down"));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        CloseAll(CloseCodes.GoingAway, "server shutting down");
        hub.Complete();
        await stopping.CancelAsync();
        if (heartbeats is not null)
        {
            try
            {
                await heartbeats.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private void CloseAll(int code, string reason)
    {
        foreach (var connection in hub.Connections)
        {
            connection.RequestClose(code, reason);
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        var interval = options.Value.HeartbeatInterval;
        // Scan often enough that an idle connection hears from us within a quarter interval of its due time.
        var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 100, interval.Ticks / 4));
        using var timer = new PeriodicTimer(tick, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var now = time.GetTimestamp();
            foreach (var connection in hub.Connections)
            {
                connection.HeartbeatIfIdle(now, interval);
            }
        }
    }

    public void Dispose()
    {
        onStopping.Dispose();
        stopping.Dispose();
    }

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "AgentPulse takes up to {Max} WebSocket connections, {PerIp} from one address (open-file limit: {OpenFileLimit}).")]
    private static partial void LogCaps(ILogger logger, int max, int perIp, long? openFileLimit);
}
