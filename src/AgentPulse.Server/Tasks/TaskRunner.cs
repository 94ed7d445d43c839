using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Tasks;

/// <summary>
/// Runs agent tasks with bounded concurrency per lane. Every task is a record in SQLite and a
/// stream of events: <c>task.started</c> when accepted; <c>task.progress</c> with stage
/// <c>queued</c> when it must wait; progress with real stages; then <c>task.completed</c> or
/// <c>task.failed</c>. A slot is given back only after the last event is published, so events
/// never show more tasks running than there are slots.
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

        var entry = new TaskEntry(definition, work, onFailed, CancellationTokenSource.CreateLinkedTokenSource(stopping.Token), new ProgressThrottle(options.ProgressInterval))
        {
            Record = new TaskRecord
            {
                TaskId = definition.TaskId,
                Kind = definition.Kind,
                Title = definition.Title,
                Agent = definition.Agent,
                ResourceId = definition.ResourceId,
                Owner = definition.Owner,
                Status = AgentTaskStatus.Running,
                StartedAt = time.GetUtcNow(),
            },
        };
        lock (gate)
        {
            active.Add(definition.TaskId, entry);
        }
        store.Save(entry.Record);
        await PublishAsync(entry, new TaskStarted(definition.TaskId, definition.Kind, definition.Title, definition.Agent, definition.ResourceId), Subject(entry), entry.Record.StartedAt);

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

    /// <summary>Stops taking tasks and ends the running ones without recording an outcome: the next start marks them interrupted, as after a crash.</summary>
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
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        lock (gate)
        {
            disposed = true;
        }
        stopping.Dispose();
    }

    internal async ValueTask ReportAsync(TaskEntry entry, TaskProgress report)
    {
        var token = entry.Cancellation.Token;
        await checkpoints.ReachedAsync(new TaskCheckpoint(entry.Definition.TaskId, entry.Definition.Kind, report.Stage, report.Current, report.Total), token);
        token.ThrowIfCancellationRequested();
        foreach (var progress in entry.Throttle.Offer(report, time.GetUtcNow()))
        {
            await PublishProgressAsync(entry, progress);
        }
    }

    /// <remarks>
    /// The snapshot takes a task's startedAt and finishedAt from the event times, so the events that
    /// start and end a task carry the very times the store keeps (<paramref name="at"/>).
    /// </remarks>
    internal ValueTask PublishAsync<T>(TaskEntry entry, T payload, string subject, DateTimeOffset? at = null) where T : class
    {
        var audience = entry.Definition.Owner is { } owner ? EventAudience.User(owner) : EventAudience.Public;
        var cloudEvent = CloudEvent.Create(payload, entry.Definition.Source, subject, time: at ?? time.GetUtcNow());
        return Discard(publisher.PublishAsync(cloudEvent, audience, CancellationToken.None));

        static async ValueTask Discard(ValueTask<PublishResult> publish) => await publish;
    }

    private static TaskError Cancelled => new("cancelled", "The task was cancelled.");

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

    private async Task RunAsync(TaskEntry entry)
    {
        var token = entry.Cancellation.Token;
        var definition = entry.Definition;
        entry.RunningSince = time.GetTimestamp();
        TaskOutcome? outcome = null;
        TaskError? error = null;
        var retryable = false;
        try
        {
            token.ThrowIfCancellationRequested();
            await checkpoints.ReachedAsync(new TaskCheckpoint(definition.TaskId, definition.Kind, "running", null, null), token);
            outcome = await entry.Work(new TaskContext(this, entry), token);
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // The server is stopping: record nothing, as a crash would; the next start marks it interrupted.
            LogAbandoned(logger, definition.TaskId);
            ReleaseSlot(entry);
            return;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            error = Cancelled;
            retryable = true;
        }
        catch (TaskFailureException ex)
        {
            error = ex.Error;
            retryable = ex.Retryable;
        }
        catch (Exception ex)
        {
            LogTaskCrashed(logger, definition.TaskId, definition.Kind, ex);
            error = new TaskError("internal", "Something went wrong on the server while running this task. Try again; if it fails again, look at the server log.");
            retryable = true;
        }

        try
        {
            lock (gate)
            {
                entry.State = EntryState.Finishing;
            }
            if (entry.Throttle.Flush() is { } held)
            {
                await PublishProgressAsync(entry, held);
            }
            if (error is null)
            {
                await CompleteAsync(entry, outcome!);
            }
            else
            {
                await FailAsync(entry, error, retryable);
            }
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            LogFinishFailed(logger, definition.TaskId, ex);
        }
        catch (Exception)
        {
            LogAbandoned(logger, definition.TaskId);
        }
        finally
        {
            ReleaseSlot(entry);
        }
    }

    private async Task CompleteAsync(TaskEntry entry, TaskOutcome outcome)
    {
        var now = time.GetUtcNow();
        entry.Record = entry.Record.Completed(now);
        store.Save(entry.Record);
        var durationMs = (long)time.GetElapsedTime(entry.RunningSince).TotalMilliseconds;
        await PublishAsync(entry, new TaskCompleted(entry.Definition.TaskId, durationMs, outcome.Result), Subject(entry), now);
        if (outcome.AfterCompleted is { } after)
        {
            await after();
        }
    }

    private async Task FailAsync(TaskEntry entry, TaskError error, bool retryable)
    {
        if (entry.OnFailed is { } onFailed)
        {
            try
            {
                await onFailed(error);
            }
            catch (Exception ex)
            {
                LogFinishFailed(logger, entry.Definition.TaskId, ex);
            }
        }
        var now = time.GetUtcNow();
        entry.Record = entry.Record.Failed(error, now);
        store.Save(entry.Record);
        LogTaskFailed(logger, entry.Definition.TaskId, error.Code, error.Message);
        await PublishAsync(entry, new TaskFailed(entry.Definition.TaskId, error, retryable), Subject(entry), now);
    }

    private async Task FinishQueuedAsync(TaskEntry entry, TaskError error)
    {
        try
        {
            await FailAsync(entry, error, retryable: true);
        }
        finally
        {
            lock (gate)
            {
                active.Remove(entry.Definition.TaskId);
            }
            entry.Cancellation.Dispose();
            entry.Ended.TrySetResult();
        }
    }

    private async ValueTask PublishProgressAsync(TaskEntry entry, TaskProgress progress)
    {
        entry.Record = entry.Record.With(progress);
        store.Save(entry.Record);
        await PublishAsync(entry, progress, Subject(entry));
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
        public required TaskRecord Record { get; set; }
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
