using AgentPulse.Protocol;

namespace AgentPulse.Server.Tasks;

/// <summary>
/// Decides which progress reports of one task are published: at most one per interval, but
/// always the first of each stage and the last (the one that reaches its total, or the one
/// pending when the stage changes or the task ends). Progress never goes back. Pure: the
/// caller gives the time, so tests drive it with a fake clock.
/// </summary>
internal sealed class ProgressThrottle(TimeSpan interval)
{
    private string? stage;
    private DateTimeOffset lastEmitted;
    private TaskProgress? pending;
    private double floor;

    /// <summary>Offers a report; returns what to publish now, in order (none, one, or a held last one then this one).</summary>
    public IReadOnlyList<TaskProgress> Offer(TaskProgress report, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(report);
        var progress = Math.Clamp(Math.Max(report.Progress, floor), 0, 1);
        floor = progress;
        report = report with { Progress = progress };

        if (report.Stage != stage)
        {
            var emitted = new List<TaskProgress>(2);
            if (pending is not null)
            {
                emitted.Add(pending);
            }
            emitted.Add(report);
            pending = null;
            stage = report.Stage;
            lastEmitted = now;
            return emitted;
        }
        var isLast = report.Current is { } current && report.Total is { } total && current >= total;
        if (isLast || now - lastEmitted >= interval)
        {
            pending = null;
            lastEmitted = now;
            return [report];
        }
        pending = report;
        return [];
    }

    /// <summary>The report held back, if any, to publish before the task ends.</summary>
    public TaskProgress? Flush()
    {
        var held = pending;
        pending = null;
        return held;
    }
}
