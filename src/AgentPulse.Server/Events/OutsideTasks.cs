using AgentPulse.AspNetCore;
using AgentPulse.Protocol;

namespace AgentPulse.Server.Events;

/// <summary>
/// The active tasks of publishers outside the server (any source not reserved, see
/// <see cref="PublisherAccess.IsReserved"/>), as their events come out of the log: which source each belongs to,
/// how many each source has (for the caps of <c>POST /api/events</c>), and when each last gave news
/// (for <see cref="SilentTaskSweeper"/>). A task leaves when it ends.
/// </summary>
internal sealed class OutsideTasks(TimeProvider time) : IEventObserver
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> perSource = new(StringComparer.Ordinal);

    /// <summary>How many active tasks outside publishers have, together.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return tasks.Count;
            }
        }
    }

    /// <summary>How many active tasks <paramref name="source"/> has.</summary>
    public int CountOf(string source)
    {
        lock (gate)
        {
            return perSource.GetValueOrDefault(source);
        }
    }

    /// <summary>The source of the active task <paramref name="taskId"/>; <c>null</c> when no outside task has that id.</summary>
    public string? SourceOf(string taskId)
    {
        lock (gate)
        {
            return tasks.TryGetValue(taskId, out var entry) ? entry.Source : null;
        }
    }

    /// <summary>The tasks that gave no news for <paramref name="timeout"/> or longer.</summary>
    public IReadOnlyList<SilentTask> SilentFor(TimeSpan timeout)
    {
        var now = time.GetTimestamp();
        lock (gate)
        {
            return tasks
                .Where(t => time.GetElapsedTime(t.Value.LastNews, now) >= timeout)
                .Select(t => new SilentTask(t.Key, t.Value.Source, t.Value.Owner))
                .ToList();
        }
    }

    /// <inheritdoc/>
    public void OnAppended(LoggedEvent loggedEvent)
    {
        var e = loggedEvent.Event;
        if (!e.Type.StartsWith("task.", StringComparison.Ordinal) || PublisherAccess.IsReserved(e.Source) || CatalogData.TaskId(e) is not { } taskId)
        {
            return;
        }
        lock (gate)
        {
            var known = tasks.TryGetValue(taskId, out var entry);
            if (known && entry!.Source != e.Source)
            {
                return; // another source's task: the endpoint refuses these; one that raced past it changes nothing here
            }
            switch (e.Type)
            {
                case EventTypes.TaskStarted when !known:
                    tasks[taskId] = new Entry(e.Source, loggedEvent.Audience.UserId, time.GetTimestamp());
                    perSource[e.Source] = perSource.GetValueOrDefault(e.Source) + 1;
                    break;
                case EventTypes.TaskStarted or EventTypes.TaskProgress when known:
                    entry!.LastNews = time.GetTimestamp();
                    break;
                case EventTypes.TaskCompleted or EventTypes.TaskFailed when known:
                    tasks.Remove(taskId);
                    if (perSource[e.Source] == 1)
                    {
                        perSource.Remove(e.Source);
                    }
                    else
                    {
                        perSource[e.Source]--;
                    }
                    break;
            }
        }
    }

    private sealed class Entry(string source, string? owner, long lastNews)
    {
        public string Source { get; } = source;

        public string? Owner { get; } = owner;

        public long LastNews { get; set; } = lastNews;
    }
}

/// <summary>An outside task that gave no news for too long.</summary>
internal sealed record SilentTask(string TaskId, string Source, string? Owner);
