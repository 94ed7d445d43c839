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
        lanes = [new Lane(this.options.MaxConcurrency), new Lane(this.options.MaxConcurrentSearches)];
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

    /// <summary>Publishes one of the catalog's payloads with the task's source and audience.</summary>
    internal ValueTask PublishAsync<T>(TaskEntry entry, T payload, string subject, DateTimeOffset? at = null) where T : class
    {
        var audience = entry.Definition.Owner is { } owner ? EventAudience.User(owner) : EventAudience.Public;
        var cloudEvent = CloudEvent.Create(payload, entry.Definition.Source, subject, time: at ?? time.GetUtcNow());
        return Discard(publisher.PublishAsync(cloudEvent, audience, CancellationToken.None));

        static async ValueTask Discard(ValueTask<PublishResult> publish) => await publish;
    }

    /// <summary>
    /// Every step of a task's life (started, queued, progress, completed, failed) goes through here:
    /// its record becomes <paramref name="next"/> (folded by <see cref="TaskRecord"/>, as every reader
    /// of the events folds them), the store keeps it, and the event goes out carrying the very time
    /// the record holds (the snapshot takes a task's startedAt and finishedAt from the event times).
    /// </summary>
    private async ValueTask StepAsync<T>(TaskEntry entry, T payload, TaskRecord next, DateTimeOffset at) where T : class
    {
        entry.Record = next;
        store.Save(next);
        await PublishAsync(entry, payload, Subject(entry), at);
    }

    private ValueTask PublishProgressAsync(TaskEntry entry, TaskProgress progress) =>
        StepAsync(entry, progress, entry.Record.With(progress), time.GetUtcNow());

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

    /// <summary>Runs the work, then ends the task: completed, or failed with a reason; or, when the server is stopping, not at all.</summary>
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
        catch (OperationCanceledException) when (token.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            error = Cancelled;
            retryable = true;
        }
        catch (TaskFailureException ex)
        {
            error = ex.Error;
            retryable = ex.Retryable;
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            LogTaskCrashed(logger, definition.TaskId, definition.Kind, ex);
            error = new TaskError("internal", "Something went wrong on the server while running this task. Try again; if it fails again, look at the server log.");
            retryable = true;
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // Whatever the work threw as the server stopped, it is left unfinished below.
        }

        try
        {
            if (stopping.IsCancellationRequested)
            {
                // The server is stopping: record nothing, as a crash would; the next start fails it as interrupted.
                LogAbandoned(logger, definition.TaskId);
                return;
            }
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
        var durationMs = (long)time.GetElapsedTime(entry.RunningSince).TotalMilliseconds;
        await StepAsync(entry, new TaskCompleted(entry.Definition.TaskId, durationMs, outcome.Result), entry.Record.Completed(now), now);
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
        LogTaskFailed(logger, entry.Definition.TaskId, error.Code, error.Message);
        var now = time.GetUtcNow();
        await StepAsync(entry, new TaskFailed(entry.Definition.TaskId, error, retryable), entry.Record.Failed(error, now), now);
    }

    /// <summary>Ends a task that never ran (cancelled while queued); when the server is stopping, leaves it unfinished.</summary>
    private async Task FinishQueuedAsync(TaskEntry entry, TaskError error)
    {
        try
        {
            if (!stopping.IsCancellationRequested)
            {
                await FailAsync(entry, error, retryable: true);
            }
        }
        finally
        {
            lock (gate)
            {
                active.Remove(entry.Definition.TaskId);
            }
            entry.Cancellation.Dispose();
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
    }

    private sealed class Lane(int capacity)
    {
        public int Capacity { get; } = capacity;
        public int Running { get; set; }
        public Queue<TaskEntry> Waiting { get; } = new();
    }
}
