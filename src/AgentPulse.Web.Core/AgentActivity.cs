using AgentPulse.Web.Internal;

namespace AgentPulse.Web;

/// <summary>
/// What the agents are doing: every task the page knows, built from the server's snapshot (at load and
/// on every resync) and then from <c>task.*</c> events, with each task's recent events (its details). One for
/// the app, shared by the activity panel, the documents list and the 3D view; views listen to <see cref="Changed"/>.
/// </summary>
/// <remarks>
/// <para>Finished tasks are kept by what they mean to a person: failures the longest
/// (<see cref="FailureLimit"/>), then other outcomes (<see cref="RecentLimit"/>), of which searches, whose
/// results the search box shows anyway, are only the last few (<see cref="SearchLimit"/>). So a run of
/// searches never pushes out a failed upload.</para>
/// <para>Events and snapshots arrive on the client's dispatch loop, one at a time, in seq order; the lists are
/// read on the renderer. A lock keeps the two apart outside the browser (tests).</para>
/// </remarks>
public sealed class AgentActivity : IDisposable
{
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly Dictionary<string, TaskRecord> tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TaskEventEntry>> history = new(StringComparer.Ordinal);
    private ClientListener? listener;

    /// <summary>Makes an empty list; <see cref="Attach"/> feeds it from the client.</summary>
    public AgentActivity(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        time = timeProvider;
    }

    /// <summary>How many finished tasks other than failures are kept, newest first (default: 8).</summary>
    public int RecentLimit { get; init; } = 8;

    /// <summary>How many of the kept finished tasks may be searches (default: 3).</summary>
    public int SearchLimit { get; init; } = 3;

    /// <summary>How many failed tasks (not cancelled ones) are kept, newest first, besides the others (default: 10).</summary>
    public int FailureLimit { get; init; } = 10;

    /// <summary>How many events each task keeps for its details, the latest (default: 50).</summary>
    public int HistoryLimit { get; init; } = 50;

    /// <summary>Raised after every change.</summary>
    public event Action? Changed;

    /// <summary>Running tasks, oldest first.</summary>
    public IReadOnlyList<TaskRecord> Running => Select(AgentTaskStatus.Running);

    /// <summary>Tasks waiting for a free slot, oldest first.</summary>
    public IReadOnlyList<TaskRecord> Queued => Select(AgentTaskStatus.Queued);

    /// <summary>Completed, failed and cancelled tasks that are kept, the newest first.</summary>
    public IReadOnlyList<TaskRecord> Finished
    {
        get
        {
            lock (gate)
            {
                return [.. tasks.Values.Where(IsOver).OrderByDescending(t => t.FinishedAt ?? t.StartedAt).ThenByDescending(t => t.TaskId, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>The agents of every task kept, in name order (for a filter).</summary>
    public IReadOnlyList<string> Agents
    {
        get
        {
            lock (gate)
            {
                return [.. tasks.Values.Select(t => t.Agent).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Whether a task ended because someone cancelled it (shown as a neutral outcome, not as a failure).</summary>
    public static bool IsCancelled(TaskRecord task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Status == AgentTaskStatus.Failed && task.Error?.Code == TaskErrorCodes.Cancelled;
    }

    /// <summary>The task with this id; <c>null</c> when not known (or no longer kept).</summary>
    public TaskRecord? Find(string taskId)
    {
        lock (gate)
        {
            return tasks.GetValueOrDefault(taskId);
        }
    }

    /// <summary>The events of a task this page has seen, oldest first (up to <see cref="HistoryLimit"/>); empty when none.</summary>
    public IReadOnlyList<TaskEventEntry> History(string taskId)
    {
        lock (gate)
        {
            return history.TryGetValue(taskId, out var entries) ? [.. entries] : [];
        }
    }

    /// <summary>Feeds the list from <paramref name="source"/>: its snapshots and its <c>task.*</c> events.</summary>
    public void Attach(IAgentPulseClient source)
    {
        listener = ClientListener.Attach(listener, nameof(AgentActivity), source, OnResynced, client => [client.Subscribe("task.*", Apply)]);
    }

    /// <summary>Replaces everything with a snapshot; the details of tasks still listed are kept.</summary>
    public void Load(IReadOnlyList<TaskRecord> snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (gate)
        {
            tasks.Clear();
            foreach (var task in snapshot)
            {
                tasks[task.TaskId] = task;
            }
            Prune();
        }
        Changed?.Invoke();
    }

    /// <summary>Applies one event; events of other types are ignored.</summary>
    public void Apply(CloudEvent cloudEvent)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        var at = cloudEvent.Time ?? time.GetUtcNow();
        bool changed;
        lock (gate)
        {
            changed = cloudEvent.Type switch
            {
                EventTypes.TaskStarted when cloudEvent.GetData<TaskStarted>() is { } started => Started(started, at),
                EventTypes.TaskProgress when cloudEvent.GetData<TaskProgress>() is { } progress => Progressed(progress, at),
                EventTypes.TaskCompleted when cloudEvent.GetData<TaskCompleted>() is { } completed => Completed(completed, at),
                EventTypes.TaskFailed when cloudEvent.GetData<TaskFailed>() is { } failed => Failed(failed, at),
                _ => false,
            };
            if (changed)
            {
                Prune();
            }
        }
        if (changed)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>Stops listening to the client.</summary>
    public void Dispose()
    {
        listener?.Dispose();
        listener = null;
    }

    private static bool IsOver(TaskRecord task) => task.Status is AgentTaskStatus.Completed or AgentTaskStatus.Failed;

    private void OnResynced(ResyncEventArgs args) => Load(args.Tasks);

    private bool Started(TaskStarted started, DateTimeOffset at)
    {
        var known = tasks.GetValueOrDefault(started.TaskId);
        tasks[started.TaskId] = (known ?? TaskRecord.Started(started, at)) with
        {
            Kind = started.Kind,
            Title = started.Title,
            Agent = started.Agent,
            ResourceId = started.ResourceId,
        };
        Record(started.TaskId, new TaskEventEntry(at, TaskEventKind.Started, started.Agent, null, null));
        return true;
    }

    private bool Progressed(TaskProgress progress, DateTimeOffset at)
    {
        if (tasks.GetValueOrDefault(progress.TaskId) is not { } known || IsOver(known))
        {
            // Not seen start (the snapshot covers what came before) or already over: nothing to move.
            return false;
        }
        var clamped = Math.Clamp(progress.Progress, 0, 1);
        tasks[progress.TaskId] = known.With(progress with { Progress = clamped });
        Record(progress.TaskId, new TaskEventEntry(at, TaskEventKind.Progress, progress.Stage, progress.Message, clamped));
        return true;
    }

    private bool Completed(TaskCompleted completed, DateTimeOffset at)
    {
        if (tasks.GetValueOrDefault(completed.TaskId) is not { } known)
        {
            return false;
        }
        tasks[completed.TaskId] = known.Completed(at);
        Record(completed.TaskId, new TaskEventEntry(at, TaskEventKind.Completed, null, Format.Duration(TimeSpan.FromMilliseconds(completed.DurationMs)), 1));
        return true;
    }

    private bool Failed(TaskFailed failed, DateTimeOffset at)
    {
        if (tasks.GetValueOrDefault(failed.TaskId) is not { } known)
        {
            return false;
        }
        tasks[failed.TaskId] = known.Failed(failed.Error, at);
        var kind = failed.Error.Code == TaskErrorCodes.Cancelled ? TaskEventKind.Cancelled : TaskEventKind.Failed;
        Record(failed.TaskId, new TaskEventEntry(at, kind, null, failed.Error.Message, null));
        return true;
    }

    /// <summary>Under the lock: appends to a task's details, keeping the latest.</summary>
    private void Record(string taskId, TaskEventEntry entry)
    {
        if (!history.TryGetValue(taskId, out var entries))
        {
            history[taskId] = entries = [];
        }
        entries.Add(entry);
        if (entries.Count > HistoryLimit)
        {
            entries.RemoveRange(0, entries.Count - HistoryLimit);
        }
    }

    /// <summary>Under the lock: forgets finished tasks past the limits of their kind, and the details of forgotten tasks.</summary>
    private void Prune()
    {
        var finished = tasks.Values.Where(IsOver)
            .OrderByDescending(t => t.FinishedAt ?? t.StartedAt)
            .ThenByDescending(t => t.TaskId, StringComparer.Ordinal)
            .ToList();
        var failures = 0;
        var others = 0;
        var searches = 0;
        foreach (var task in finished)
        {
            bool keep;
            if (task.Status == AgentTaskStatus.Failed && !IsCancelled(task))
            {
                keep = ++failures <= FailureLimit;
            }
            else if (task.Kind == TaskKinds.Search)
            {
                keep = ++searches <= SearchLimit && ++others <= RecentLimit;
            }
            else
            {
                keep = ++others <= RecentLimit;
            }
            if (!keep)
            {
                tasks.Remove(task.TaskId);
            }
        }
        if (history.Count > tasks.Count)
        {
            foreach (var id in history.Keys.Where(id => !tasks.ContainsKey(id)).ToList())
            {
                history.Remove(id);
            }
        }
    }

    private List<TaskRecord> Select(AgentTaskStatus status)
    {
        lock (gate)
        {
            return [.. tasks.Values.Where(t => t.Status == status).OrderBy(t => t.StartedAt).ThenBy(t => t.TaskId, StringComparer.Ordinal)];
        }
    }
}

/// <summary>What happened to a task, as its details list it.</summary>
public enum TaskEventKind
{
    /// <summary><c>task.started</c>.</summary>
    Started,

    /// <summary><c>task.progress</c>.</summary>
    Progress,

    /// <summary><c>task.completed</c>.</summary>
    Completed,

    /// <summary><c>task.failed</c>.</summary>
    Failed,

    /// <summary><c>task.failed</c> with code <see cref="TaskErrorCodes.Cancelled"/>.</summary>
    Cancelled,
}

/// <summary>One event of a task, for its details.</summary>
/// <param name="At">When it happened (the event's time).</param>
/// <param name="Kind">What it was.</param>
/// <param name="Stage">The stage of a progress; the agent of a start; <c>null</c> otherwise.</param>
/// <param name="Message">The progress message, the failure's reason or the duration of a completion; <c>null</c> when none.</param>
/// <param name="Progress">How far, 0 to 1; <c>null</c> when the event does not say.</param>
public sealed record TaskEventEntry(DateTimeOffset At, TaskEventKind Kind, string? Stage, string? Message, double? Progress);
