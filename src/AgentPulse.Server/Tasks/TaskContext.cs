using AgentPulse.Protocol;

namespace AgentPulse.Server.Tasks;

/// <summary>What the work of a task uses to report progress and publish its events.</summary>
internal sealed class TaskContext
{
    private readonly TaskRunner runner;
    private readonly TaskRunner.TaskEntry entry;

    internal TaskContext(TaskRunner runner, TaskRunner.TaskEntry entry)
    {
        this.runner = runner;
        this.entry = entry;
    }

    public string TaskId => entry.Definition.TaskId;

    /// <summary>
    /// Reports a step. Throttled (see <see cref="TaskOptions.ProgressInterval"/>), always keeping the
    /// first and the last of each stage; progress never goes back.
    /// </summary>
    public ValueTask ReportAsync(string stage, double progress, string? message, long? current = null, long? total = null) =>
        runner.ReportAsync(entry, new TaskProgress(TaskId, progress, stage, message, current, total));

    /// <summary>Publishes one of the catalog's payloads with this task's source and audience.</summary>
    public ValueTask PublishAsync<T>(T payload, string subject) where T : class =>
        runner.PublishAsync(entry, payload, subject);
}
