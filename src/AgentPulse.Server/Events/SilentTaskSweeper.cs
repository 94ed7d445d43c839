using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Events;

/// <summary>
/// Ends the tasks of outside publishers that went silent: one that gave no news (no <c>task.progress</c>)
/// for <see cref="EventsOptions.SilentTaskTimeout"/> is failed by the server with a <c>task.failed</c>
/// "no news from the agent", published as a real event under the task's source, so that every page,
/// the snapshot and the publisher's own readers see it end. The server's own agents' tasks are
/// ended by the server and never expire.
/// </summary>
internal sealed partial class SilentTaskSweeper(
    OutsideTasks tasks,
    IEventPublisher publisher,
    IOptions<EventsOptions> options,
    TimeProvider time,
    ILogger<SilentTaskSweeper> logger) : BackgroundService
{
    public const string ErrorCode = "no_news";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var timeout = options.Value.SilentTaskTimeout;
        // A task ends at most a quarter of the timeout (and at most a minute) after it is due.
        var tick = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        using var timer = new PeriodicTimer(tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SweepAsync(timeout, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SweepAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var silent = tasks.SilentFor(timeout);
        if (silent.Count == 0)
        {
            return;
        }
        var minutes = Math.Round(timeout.TotalMinutes, 1);
        var error = new TaskError(ErrorCode, $"No news from the agent for {minutes:0.#} minutes: the server marked the task failed.");
        var now = time.GetUtcNow();
        // One batch per audience: what a sweep ends goes out together, in one append.
        foreach (var group in silent.GroupBy(t => t.Owner))
        {
            var events = group.Select(t => CloudEvent.Create(new TaskFailed(t.TaskId, error, Retryable: false), t.Source, $"tasks/{t.TaskId}", time: now)).ToList();
            try
            {
                await publisher.PublishAsync(events, group.Key is { } owner ? EventAudience.User(owner) : EventAudience.Public, cancellationToken);
            }
            catch (EventLogUnavailableException ex)
            {
                LogSweepFailed(logger, ex.Message); // the next sweep tries again
                return;
            }
        }
        LogExpired(logger, silent.Count, minutes);
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "{Count} tasks of outside publishers gave no news for {Minutes} minutes: failed")]
    private static partial void LogExpired(ILogger logger, int count, double minutes);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Could not fail the silent tasks now: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}
