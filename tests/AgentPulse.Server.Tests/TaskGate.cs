using AgentPulse.Server.Tasks;

namespace AgentPulse.Server.Tests;

/// <summary>
/// A checkpoint seam that holds tasks at the checkpoints <see cref="Holds"/> picks until
/// <see cref="Open"/>; it counts who arrived, so a test sees exactly how far tasks got.
/// </summary>
internal sealed class TaskGate : ITaskCheckpoints
{
    private readonly Lock gate = new();
    private readonly List<TaskCheckpoint> held = [];
    private readonly List<(int Count, TaskCompletionSource Done)> waiters = [];
    private TaskCompletionSource opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Which checkpoints wait at the gate (default: none).</summary>
    public Func<TaskCheckpoint, bool> Holds { get; set; } = _ => false;

    /// <summary>
    /// Whether a held task waits even when cancelled, as work that never reads its token does (a
    /// long regex, a parser without cancellation) (default: false, the wait ends on cancellation).
    /// </summary>
    public bool IgnoresCancellation { get; init; }

    /// <summary>The checkpoints that reached the gate, in order of arrival.</summary>
    public IReadOnlyList<TaskCheckpoint> Held
    {
        get
        {
            lock (gate)
            {
                return [.. held];
            }
        }
    }

    public async ValueTask ReachedAsync(TaskCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        Task wait;
        lock (gate)
        {
            if (!Holds(checkpoint))
            {
                return;
            }
            held.Add(checkpoint);
            for (var i = waiters.Count - 1; i >= 0; i--)
            {
                if (held.Count >= waiters[i].Count)
                {
                    waiters[i].Done.TrySetResult();
                    waiters.RemoveAt(i);
                }
            }
            wait = opened.Task;
        }
        await (IgnoresCancellation ? wait : wait.WaitAsync(cancellationToken));
    }

    /// <summary>Waits until <paramref name="count"/> checkpoints are held.</summary>
    public Task WaitForHeldAsync(int count)
    {
        lock (gate)
        {
            if (held.Count >= count)
            {
                return Task.CompletedTask;
            }
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((count, done));
            return done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    /// <summary>Lets every held task go, and every later one pass.</summary>
    public void Open()
    {
        lock (gate)
        {
            Holds = _ => false;
            opened.TrySetResult();
            opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
