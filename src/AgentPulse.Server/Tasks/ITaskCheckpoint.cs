namespace AgentPulse.Server.Tasks;

/// <summary>A point a task reaches: when it starts running (stage <c>running</c>), at every progress report, and for an indexing task just before <c>document.indexed</c> (stage <c>publishing</c>).</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Kind">Its kind, such as <c>document.index</c>.</param>
/// <param name="Stage">The stage reached (<c>running</c>, <c>extracting</c>, <c>indexing</c>, …).</param>
/// <param name="Current">The item of the stage, when it counts items.</param>
/// <param name="Total">The items of the stage, when known.</param>
internal readonly record struct TaskCheckpoint(string TaskId, string Kind, string Stage, long? Current, long? Total);

/// <summary>
/// A seam for tests: the runner awaits it at each checkpoint, so a test can hold tasks at a gate
/// and see exactly how many run at once, or stop the server in the middle of indexing.
/// The default does nothing.
/// </summary>
internal interface ITaskCheckpoints
{
    ValueTask ReachedAsync(TaskCheckpoint checkpoint, CancellationToken cancellationToken);
}

internal sealed class NoTaskCheckpoints : ITaskCheckpoints
{
    public ValueTask ReachedAsync(TaskCheckpoint checkpoint, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
