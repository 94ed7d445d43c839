using AgentPulse.Web.Internal;

namespace AgentPulse.Web;

/// <summary>
/// What the agents are doing: every task the page knows, built from the server's snapshot (at load and
/// on every resync) and then from <c>task.*</c> events. One for the app, shared by the activity panel and
/// the uploader; views listen to <see cref="Changed"/>.
/// </summary>
/// <remarks>
/// Events and snapshots arrive on the client's dispatch loop, one at a time, in seq order; the lists are
/// read on the renderer. A lock keeps the two apart outside the browser (tests).
/// </remarks>
public sealed class AgentActivity : IDisposable
{
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly Dictionary<string, TaskRecord> tasks = new(StringComparer.Ordinal);
    private ClientListener? listener;

    /// <summary>Makes an empty list; <see cref="Attach"/> feeds it from the client.</summary>
    public AgentActivity(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        time = timeProvider;
    }

    /// <summary>How many finished tasks are kept, newest first (default: 8).</summary>
    public int RecentLimit { get; init; } = 8;

    /// <summary>Raised after every change.</summary>
    public event Action? Changed;

    /// <summary>Running tasks, oldest first.</summary>
    public IReadOnlyList<TaskRecord> Running => Select(AgentTaskStatus.Running, t => t.StartedAt, descending: false);

    /// <summary>Tasks waiting for a free slot, oldest first.</summary>
    public IReadOnlyList<TaskRecord> Queued => Select(AgentTaskStatus.Queued, t => t.StartedAt, descending: false);

    /// <summary>Completed and failed tasks, the newest first, up to <see cref="RecentLimit"/>.</summary>
    public IReadOnlyList<TaskRecord> Finished
    {
        get
        {
            lock (gate)
            {
                return [.. tasks.Values
                    .Where(t => t.Status is AgentTaskStatus.Completed or AgentTaskStatus.Failed)
                    .OrderByDescending(t => t.FinishedAt ?? t.StartedAt)
                    .ThenByDescending(t => t.TaskId, StringComparer.Ordinal)
                    .Take(RecentLimit)];
            }
        }
    }

    /// <summary>The task with this id; <c>null</c> when not known (or no longer kept).</summary>
    public TaskRecord? Find(string taskId)
    {
        lock (gate)
        {
            return tasks.GetValueOrDefault(taskId);
        }
    }

    /// <summary>Feeds the list from <paramref name="source"/>: its snapshots and its <c>task.*</c> events.</summary>
    public void Attach(IAgentPulseClient source)
    {
        listener = ClientListener.Attach(listener, nameof(AgentActivity), source, OnResynced, client => [client.Subscribe("task.*", Apply)]);
    }

    /// <summary>Replaces everything with a snapshot.</summary>
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
                EventTypes.TaskProgress when cloudEvent.GetData<TaskProgress>() is { } progress => Progressed(progress),
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

    private void OnResynced(ResyncEventArgs args) => Load(args.Tasks);

    private bool Started(TaskStarted started, DateTimeOffset at)
    {
        var known = tasks.GetValueOrDefault(started.TaskId);
        tasks[started.TaskId] = (known ?? new TaskRecord
        {
            TaskId = started.TaskId,
            Kind = started.Kind,
            Title = started.Title,
            Agent = started.Agent,
            Status = AgentTaskStatus.Running,
            StartedAt = at,
        }) with
        {
            Kind = started.Kind,
            Title = started.Title,
            Agent = started.Agent,
            ResourceId = started.ResourceId,
        };
        return true;
    }

    private bool Progressed(TaskProgress progress)
    {
        if (tasks.GetValueOrDefault(progress.TaskId) is not { } known
            || known.Status is AgentTaskStatus.Completed or AgentTaskStatus.Failed)
        {
            // Not seen start (the snapshot covers what came before) or already over: nothing to move.
            return false;
        }
        tasks[progress.TaskId] = known.With(progress with { Progress = Math.Clamp(progress.Progress, 0, 1) });
        return true;
    }

    private bool Completed(TaskCompleted completed, DateTimeOffset at)
    {
        if (tasks.GetValueOrDefault(completed.TaskId) is not { } known)
        {
            return false;
        }
        tasks[completed.TaskId] = known.Completed(at);
        return true;
    }

    private bool Failed(TaskFailed failed, DateTimeOffset at)
    {
        if (tasks.GetValueOrDefault(failed.TaskId) is not { } known)
        {
            return false;
        }
        tasks[failed.TaskId] = known.Failed(failed.Error, at);
        return true;
    }

    /// <summary>Under the lock: forgets finished tasks past the limit.</summary>
    private void Prune()
    {
        var finished = tasks.Values.Where(t => t.Status is AgentTaskStatus.Completed or AgentTaskStatus.Failed).ToList();
        if (finished.Count <= RecentLimit)
        {
            return;
        }
        foreach (var old in finished
            .OrderByDescending(t => t.FinishedAt ?? t.StartedAt)
            .ThenByDescending(t => t.TaskId, StringComparer.Ordinal)
            .Skip(RecentLimit))
        {
            tasks.Remove(old.TaskId);
        }
    }

    private List<TaskRecord> Select(AgentTaskStatus status, Func<TaskRecord, DateTimeOffset> key, bool descending)
    {
        lock (gate)
        {
            var matching = tasks.Values.Where(t => t.Status == status);
            var ordered = descending ? matching.OrderByDescending(key) : matching.OrderBy(key);
            return [.. ordered.ThenBy(t => t.TaskId, StringComparer.Ordinal)];
        }
    }
}
