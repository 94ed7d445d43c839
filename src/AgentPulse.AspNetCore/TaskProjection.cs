using System.Security.Claims;
using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore;

/// <summary>
/// The state of tasks, folded from the <c>task.*</c> events of the log in seq order: the snapshot
/// that a connection gets when it was not recovered, exact to the welcome's seq. Register it with
/// <c>AddAgentPulse().AddTaskSnapshots()</c>; seed it at start with what a store remembers.
/// </summary>
/// <remarks>
/// A task whose latest <c>task.progress</c> has the stage <see cref="TaskRecord.QueuedStage"/> is reported as queued.
/// Finished tasks are kept up to <see cref="MaxFinished"/> (the oldest go first).
/// </remarks>
public sealed class TaskProjection : ISnapshotProvider, IEventObserver
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, TaskRecord> tasks = new(StringComparer.Ordinal);
    private readonly LinkedList<string> finishedOrder = new();

    /// <summary>How many finished tasks to keep (default: 50).</summary>
    public int MaxFinished { get; init; } = 50;

    /// <summary>Adds tasks remembered from before (a store's records), for example at start.</summary>
    public void Seed(IEnumerable<TaskRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        lock (gate)
        {
            foreach (var record in records.OrderBy(r => r.StartedAt))
            {
                Put(record);
            }
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<TaskRecord> GetSnapshot(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var userId = user.Identity?.IsAuthenticated == true ? UserIds.Of(user) : "*";
        lock (gate)
        {
            return Select(userId);
        }
    }

    /// <inheritdoc/>
    public void OnAppended(LoggedEvent loggedEvent)
    {
        ArgumentNullException.ThrowIfNull(loggedEvent);
        var e = loggedEvent.Event;
        lock (gate)
        {
            if (!e.Type.StartsWith("task.", StringComparison.Ordinal))
            {
                return;
            }
            // The publisher stamps every event that reaches the log with its time.
            var time = e.Time.GetValueOrDefault();
            switch (e.Type)
            {
                case EventTypes.TaskStarted when e.GetData<TaskStarted>() is { } started:
                    Put(TaskRecord.Started(started, time, loggedEvent.Audience.UserId));
                    break;
                case EventTypes.TaskProgress when e.GetData<TaskProgress>() is { } progress && tasks.TryGetValue(progress.TaskId, out var record):
                    Put(record.With(progress));
                    break;
                case EventTypes.TaskCompleted when e.GetData<TaskCompleted>() is { } completed && tasks.TryGetValue(completed.TaskId, out var record):
                    Put(record.Completed(time));
                    break;
                case EventTypes.TaskFailed when e.GetData<TaskFailed>() is { } failed && tasks.TryGetValue(failed.TaskId, out var record):
                    Put(record.Failed(failed.Error, time));
                    break;
            }
        }
    }

    private void Put(TaskRecord record)
    {
        var wasFinished = tasks.TryGetValue(record.TaskId, out var old) && old.FinishedAt is not null;
        tasks[record.TaskId] = record;
        if (record.FinishedAt is not null && !wasFinished)
        {
            finishedOrder.AddLast(record.TaskId);
            while (finishedOrder.Count > MaxFinished)
            {
                tasks.Remove(finishedOrder.First!.Value);
                finishedOrder.RemoveFirst();
            }
        }
    }

    private List<TaskRecord> Select(string? userId) =>
        tasks.Values
            .Where(t => userId == "*" || t.Owner is null || t.Owner == userId)
            .OrderByDescending(t => t.StartedAt)
            .ThenByDescending(t => t.TaskId, StringComparer.Ordinal)
            .ToList();
}

/// <summary>How AgentPulse names the user of a request.</summary>
public static class UserIds
{
    /// <summary>The user's id: the <c>NameIdentifier</c> claim, else <c>sub</c> (a JWT's subject, when inbound claims are not mapped), else the name; <c>null</c> when not authenticated.</summary>
    public static string? Of(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true)
        {
            return null;
        }
        return user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.FindFirst("sub")?.Value ?? user.Identity.Name;
    }
}
