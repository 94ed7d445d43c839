namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// The conflation of one connection (<c>conflate=task.progress:N</c>): between the events the connection
/// sees and its socket, it sends at most one <c>task.progress</c> per task per interval (1/N s), the latest.
/// Used by the connection's writer alone.
/// </summary>
/// <remarks>
/// <para>Events go out strictly in seq order, so a progress event that may yet be superseded holds the
/// events behind it: it waits at the front until a newer progress of its task and stage takes its place
/// (it is then skipped), its task's interval has passed (it is sent), or it turns out to be the last of
/// its stage (another stage, or any other event of its task, follows: it is sent). The first progress of
/// each stage and every other event are never held for their own sake. So nothing waits longer than one
/// interval, and what the client receives is exactly the events of the log minus skipped progress.</para>
/// <para>Bounded: past <c>capacity</c> entries (skipped ones included) the front goes out without waiting,
/// and the state kept per task is dropped for tasks that hold nothing once there are many (a dropped
/// task's next progress counts as the first of its stage, so it is sent: forgetting only sends more).</para>
/// </remarks>
internal sealed class ProgressConflator(TimeSpan interval, int capacity, TimeProvider time)
{
    private const int MaxTasks = 4096;

    private readonly Queue<Slot> slots = new();
    private readonly Dictionary<string, TaskState> tasks = new(StringComparer.Ordinal);

    /// <summary>Events taken and not yet sent nor skipped.</summary>
    public int Held { get; private set; }

    /// <summary>Progress events skipped so far.</summary>
    public long Skipped { get; private set; }

    /// <summary>
    /// The seq of the oldest event held; <c>null</c> when none. Everything the connection sees below it has been
    /// sent or skipped, so a heartbeat says one less (never more: a resume from it must not pass a held event).
    /// </summary>
    public long? OldestHeldSeq
    {
        get
        {
            DropSkipped();
            return slots.TryPeek(out var front) ? front.Event!.Seq : null;
        }
    }

    /// <summary>Takes the next event the connection sees, in seq order.</summary>
    public void Add(LoggedEvent entry)
    {
        var key = entry.TaskKey;
        Slot slot;
        if (key.TaskId is not { } taskId)
        {
            slot = new Slot(entry, null, pinned: true);
        }
        else if (key.IsProgress)
        {
            var task = Task(taskId);
            if (task.Held is { } held)
            {
                if (!held.Pinned && held.Stage == key.Stage)
                {
                    // Superseded by a newer value of the same stage: never sent.
                    held.Event = null;
                    Held--;
                    Skipped++;
                }
                else
                {
                    held.Pinned = true; // the last of its stage
                }
            }
            var first = !task.Seen || task.Stage != key.Stage;
            task.Seen = true;
            task.Stage = key.Stage;
            slot = new Slot(entry, task, pinned: first) { Stage = key.Stage };
            task.Held = slot;
        }
        else
        {
            if (tasks.TryGetValue(taskId, out var task))
            {
                if (task.Held is { } held)
                {
                    held.Pinned = true; // the last of its stage: the task moves on or ends
                }
                if (entry.Type is Protocol.EventTypes.TaskCompleted or Protocol.EventTypes.TaskFailed)
                {
                    tasks.Remove(taskId);
                }
            }
            slot = new Slot(entry, null, pinned: true);
        }
        slots.Enqueue(slot);
        Held++;
    }

    /// <summary>The next event to send now; <c>null</c> when none is due (see <see cref="DueIn"/>).</summary>
    public LoggedEvent? TakeReady()
    {
        DropSkipped();
        if (!slots.TryPeek(out var front))
        {
            return null;
        }
        var now = time.GetTimestamp();
        if (!front.Pinned && slots.Count <= capacity && front.Task is { } waiting && time.GetElapsedTime(waiting.LastSent, now) < interval)
        {
            return null;
        }
        slots.Dequeue();
        Held--;
        if (front.Task is { } task)
        {
            task.LastSent = now;
            if (task.Held == front)
            {
                task.Held = null;
            }
        }
        return front.Event;
    }

    /// <summary>How long until the front is due; <c>null</c> when nothing is held.</summary>
    public TimeSpan? DueIn()
    {
        DropSkipped();
        if (!slots.TryPeek(out var front))
        {
            return null;
        }
        if (front.Pinned || front.Task is not { } task)
        {
            return TimeSpan.Zero;
        }
        var left = interval - time.GetElapsedTime(task.LastSent, time.GetTimestamp());
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private void DropSkipped()
    {
        while (slots.TryPeek(out var front) && front.Event is null)
        {
            slots.Dequeue();
        }
    }

    private TaskState Task(string taskId)
    {
        if (tasks.TryGetValue(taskId, out var task))
        {
            return task;
        }
        if (tasks.Count >= MaxTasks)
        {
            foreach (var (id, state) in tasks)
            {
                if (state.Held is null)
                {
                    tasks.Remove(id);
                }
            }
        }
        task = new TaskState(time.GetTimestamp() - (long)(interval.TotalSeconds * time.TimestampFrequency) - 1);
        tasks[taskId] = task;
        return task;
    }

    private sealed class TaskState(long lastSent)
    {
        public bool Seen { get; set; }

        public string? Stage { get; set; }

        /// <summary>When a progress of this task was last sent (a timestamp of the connection's clock).</summary>
        public long LastSent { get; set; } = lastSent;

        /// <summary>Its newest progress still held; <c>null</c> when none.</summary>
        public Slot? Held { get; set; }
    }

    private sealed class Slot(LoggedEvent entry, TaskState? task, bool pinned)
    {
        /// <summary>The event; <c>null</c> once skipped.</summary>
        public LoggedEvent? Event { get; set; } = entry;

        /// <summary>The task of a progress event; <c>null</c> for any other event.</summary>
        public TaskState? Task { get; } = task;

        public string? Stage { get; init; }

        /// <summary>Goes out as soon as it is at the front: any event but a progress that may still be superseded.</summary>
        public bool Pinned { get; set; } = pinned;
    }
}
