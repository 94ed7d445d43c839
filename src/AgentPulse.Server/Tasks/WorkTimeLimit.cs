namespace AgentPulse.Server.Tasks;

/// <summary>
/// A time limit on part of a task's work, counted by the <see cref="TimeProvider"/> from when it is
/// made: its <see cref="Token"/> is cancelled when the task is cancelled or when the time is up,
/// and <see cref="HasExpired"/> tells the two apart.
/// </summary>
internal sealed class WorkTimeLimit : IDisposable
{
    private readonly CancellationTokenSource timer;
    private readonly CancellationTokenSource linked;
    private readonly CancellationToken task;

    public WorkTimeLimit(TimeSpan limit, TimeProvider time, CancellationToken cancellationToken)
    {
        Limit = limit;
        task = cancellationToken;
        timer = new CancellationTokenSource(limit, time);
        linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
    }

    public TimeSpan Limit { get; }

    /// <summary>Cancelled with the task or when the time is up.</summary>
    public CancellationToken Token => linked.Token;

    /// <summary>Whether <paramref name="exception"/> is this limit running out, not the task being cancelled.</summary>
    public bool HasExpired(Exception exception) =>
        exception is OperationCanceledException && timer.IsCancellationRequested && !task.IsCancellationRequested;

    public void Dispose()
    {
        linked.Dispose();
        timer.Dispose();
    }
}
