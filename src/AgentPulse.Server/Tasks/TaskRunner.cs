using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Tasks;

/// <summary>
/// Runs agent tasks with bounded concurrency per lane. Every task is a record in SQLite and a
/// stream of events: <c>task.started</c> when accepted; <c>task.progress</c> with stage
/// <c>queued</c> when it must wait; progress with real stages; then <c>task.completed</c> or
/// <c>task.failed</c>. A slot is given back only after the last event is published, so events
/// never show more tasks running than there are slots. Here: accepting, queueing, slots, cancelling
/// and stopping; a task's life from its first event to its last is <c>TaskRunner.Lifecycle.cs</c>.
/// </summary>
internal sealed partial class TaskRunner : IAsyncDisposable
{
    /// <summary>The message of a task that a stopped server left unfinished.</summary>
    public const string InterruptedMessage = "interrupted by a server restart";

    private readonly IEventPublisher publisher;
    private readonly TaskStore store;
    private readonly TimeProvider time;
    private readonly TaskOptions options;
    private readonly ITaskCheckpoints checkpoints;
    private readonly ILogger<TaskRunner> logger;
    private readonly Lock gate = new();
    private readonly Dictionary<string, TaskEntry> active = new(StringComparer.Ordinal);
    private readonly HashSet<Task> running = [];
    private readonly Lane[] lanes;
    private readonly CancellationTokenSource stopping = new();
    private bool disposed;

    public TaskRunner(IEventPublisher publisher, TaskStore store, TimeProvider time, IOptions<TaskOptions> options, ITaskCheckpoints checkpoints, ILogger<TaskRunner> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.publisher = publisher;
        this.store = store;
        this.time = time;
        this.options = options.Value;
        this.checkpoints = checkpoints;
        this.logger = logger;
        lanes = [new Lane(this.options.MaxConcurrency), new Lane(this.options.MaxConcurrentSearches), new Lane(this.options.MaxConcurrentCostlySearches)];
    }

    public static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>Accepts a task: publishes <c>task.started</c>, then runs it or queues it. Returns once it is running or queued.</summary>
    public async Task StartAsync(TaskDefinition definition, TaskWork work, TaskFailedHandler? onFailed = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(stopping.IsCancellationRequested, this);

        var entry = new TaskEntry(definition, work, onFailed, CancellationTokenSource.CreateLinkedTokenSource(stopping.Token), new ProgressThrottle(options.ProgressInterval));
        lock (gate)
        {
            active.Add(definition.TaskId, entry);
        }
        var started = new TaskStarted(definition.TaskId, definition.Kind, definition.Title, definition.Agent, definition.ResourceId);
        var now = time.GetUtcNow();
        await StepAsync(entry, started, TaskRecord.Started(started, now, definition.Owner), now);

        var lane = lanes[(int)definition.Lane];
        bool runNow;
        lock (gate)
        {
            runNow = TryTakeSlot(lane, entry);
        }
        if (!runNow)
        {
            // Published before the entry can be dequeued, so "queued" always comes before its real stages.
            await PublishProgressAsync(entry, new TaskProgress(definition.TaskId, 0, TaskRecord.QueuedStage, "waiting for a free slot", null, null));
            var cancelledMeanwhile = false;
            lock (gate)
            {
                if (entry.Cancellation.IsCancellationRequested)
                {
                    entry.State = EntryState.Finishing;
                    cancelledMeanwhile = true;
                }
                else
                {
                    runNow = TryTakeSlot(lane, entry);
                    if (!runNow)
                    {
                        entry.State = EntryState.Queued;
                        lane.Waiting.Enqueue(entry);
                    }
                }
            }
            if (cancelledMeanwhile)
            {
                await FinishQueuedAsync(entry, Cancelled);
                return;
            }
        }
        if (runNow)
        {
            Launch(entry);
        }
    }

    /// <summary>Cancels a queued or running task; it ends with <c>task.failed</c>, code <c>cancelled</c>.</summary>
    public async Task<CancelResult> CancelAsync(string taskId)
    {
        TaskEntry? entry;
        var wasQueued = false;
        lock (gate)
        {
            if (!active.TryGetValue(taskId, out entry))
            {
                entry = null;
            }
            else if (entry.State is EntryState.Finishing)
            {
                return CancelResult.AlreadyFinished;
            }
            else if (entry.State is EntryState.Queued)
            {
                var lane = lanes[(int)entry.Definition.Lane];
                var rest = lane.Waiting.Where(e => e != entry).ToList();
                lane.Waiting.Clear();
                rest.ForEach(lane.Waiting.Enqueue);
                entry.State = EntryState.Finishing;
                wasQueued = true;
            }
        }
        if (entry is null)
        {
            return store.Get(taskId) is null ? CancelResult.NotFound : CancelResult.AlreadyFinished;
        }
        if (wasQueued)
        {
            await FinishQueuedAsync(entry, Cancelled);
        }
        else
        {
            LogCancelling(logger, taskId);
            try
            {
                await entry.Cancellation.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                return CancelResult.AlreadyFinished;
            }
        }
        return CancelResult.Cancelled;
    }

    /// <summary>
    /// Completes once the task has ended: its last event is published and its slot given back
    /// (at once when it is not queued or running).
    /// </summary>
    public Task WaitForEndAsync(string taskId, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return active.TryGetValue(taskId, out var entry) ? entry.Ended.Task.WaitAsync(cancellationToken) : Task.CompletedTask;
        }
    }

    /// <summary>
    /// Stops taking tasks, cancels the queued and running ones, and waits for the running ones until
    /// <paramref name="cancellationToken"/> (the host's shutdown timeout) fires. Nothing is recorded
    /// for them: the next start fails them as interrupted, exactly as after a crash. A task that does
    /// not heed its cancellation is left behind, so that the process can exit.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task[] toWait;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }
            foreach (var lane in lanes)
            {
                foreach (var waiting in lane.Waiting)
                {
                    waiting.Ended.TrySetResult();
                }
                lane.Waiting.Clear();
            }
            toWait = [.. running];
        }
        await stopping.CancelAsync();
        try
        {
            await Task.WhenAll(toWait).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            LogLeftRunning(logger, toWait.Count(t => !t.IsCompleted));
        }
    }

    /// <remarks>
    /// Waits for nothing: the host has stopped the runner already, within its shutdown timeout, and
    /// waiting here for a task that ignores its cancellation would keep the process from ever exiting.
    /// </remarks>
    public ValueTask DisposeAsync()
    {
        lock (gate)
        {
            if (disposed)
            {
                return ValueTask.CompletedTask;
            }
            disposed = true;
        }
        stopping.Cancel();
        stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    private static TaskError Cancelled => new(TaskErrorCodes.Cancelled, "The task was cancelled.");

    private static string Subject(TaskEntry entry) => $"tasks/{entry.Definition.TaskId}";

    private static bool TryTakeSlot(Lane lane, TaskEntry entry)
    {
        if (lane.Running >= lane.Capacity)
        {
            return false;
        }
        lane.Running++;
        entry.State = EntryState.Running;
        return true;
    }

    private void Launch(TaskEntry entry)
    {
        lock (gate)
        {
            var task = Task.Run(() => RunAsync(entry));
            running.Add(task);
            _ = task.ContinueWith(t => { lock (gate) { running.Remove(t); } }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void ReleaseSlot(TaskEntry entry)
    {
        TaskEntry? next = null;
        lock (gate)
        {
            active.Remove(entry.Definition.TaskId);
            var lane = lanes[(int)entry.Definition.Lane];
            lane.Running--;
            if (!stopping.IsCancellationRequested && lane.Waiting.TryDequeue(out next))
            {
                lane.Running++;
                next.State = EntryState.Running;
            }
        }
        entry.Cancellation.Dispose();
        entry.Ended.TrySetResult();
        if (next is not null)
        {
            Launch(next);
        }
    }

    internal enum EntryState
    {
        Starting,
        Queued,
        Running,
        Finishing,
    }

    internal sealed class TaskEntry(TaskDefinition definition, TaskWork work, TaskFailedHandler? onFailed, CancellationTokenSource cancellation, ProgressThrottle throttle)
    {
        public TaskDefinition Definition { get; } = definition;
        public TaskWork Work { get; } = work;
        public TaskFailedHandler? OnFailed { get; } = onFailed;
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public ProgressThrottle Throttle { get; } = throttle;
        public TaskRecord Record { get; set; } = null!;
        public EntryState State { get; set; }
        public long RunningSince { get; set; }

        /// <summary>Completed once the last event is published and the slot given back, or the server stopped before it ran.</summary>
        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lane(int capacity)
    {
        public int Capacity { get; } = capacity;
        public int Running { get; set; }
        public Queue<TaskEntry> Waiting { get; } = new();
    }
}
