using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentPulse.Protocol;

/// <summary><c>task.started</c>: an agent starts a task.</summary>
/// <param name="TaskId">The task's id.</param>
/// <param name="Kind">What the task does, such as <c>document.index</c> or <c>search</c>.</param>
/// <param name="Title">A title fit to show a person.</param>
/// <param name="Agent">The agent that runs it, such as <c>indexer</c>.</param>
/// <param name="ResourceId">The resource it works on (a document id, a search id); <c>null</c> when none.</param>
public sealed record TaskStarted(string TaskId, string Kind, string Title, string Agent, string? ResourceId);

/// <summary><c>task.progress</c>: a step of a task advances.</summary>
/// <param name="TaskId">The task's id.</param>
/// <param name="Progress">How far the task is, from 0 to 1.</param>
/// <param name="Stage">The stage, such as <c>extracting</c>, <c>chunking</c>, <c>indexing</c>.</param>
/// <param name="Message">What is happening, fit to show a person; <c>null</c> when nothing to say.</param>
/// <param name="Current">The current item of the stage (a chunk number); <c>null</c> when the stage has no count.</param>
/// <param name="Total">The number of items of the stage; <c>null</c> when unknown.</param>
public sealed record TaskProgress(string TaskId, double Progress, string Stage, string? Message, long? Current, long? Total);

/// <summary><c>task.completed</c>: a task ends well.</summary>
/// <param name="TaskId">The task's id.</param>
/// <param name="DurationMs">How long it ran, in milliseconds.</param>
/// <param name="Result">A short summary object; <c>null</c> when there is nothing to say.</param>
public sealed record TaskCompleted(string TaskId, long DurationMs, JsonElement? Result);

/// <summary>Why a task failed.</summary>
/// <param name="Code">A stable machine code, such as <c>cancelled</c> or <c>unreadable</c>.</param>
/// <param name="Message">A message fit to show a person.</param>
public sealed record TaskError(string Code, string Message);

/// <summary><c>task.failed</c>: a task ends badly.</summary>
/// <param name="TaskId">The task's id.</param>
/// <param name="Error">Why, with a message fit to show a person.</param>
/// <param name="Retryable">Whether running it again may succeed.</param>
public sealed record TaskFailed(string TaskId, TaskError Error, bool Retryable);

/// <summary><c>document.indexed</c>: a document is searchable.</summary>
public sealed record DocumentIndexed(string DocumentId, string Name, string ContentType, long SizeBytes, int ChunkCount, string TaskId);

/// <summary>One result of a search.</summary>
/// <param name="DocumentId">The document it was found in.</param>
/// <param name="Name">The document's name as uploaded.</param>
/// <param name="Snippet">The best passage, with matches wrapped in <c>&lt;mark&gt;</c> (the rest HTML-escaped).</param>
/// <param name="Score">The relevance score (higher is better).</param>
public sealed record SearchHit(string DocumentId, string Name, string Snippet, double Score);

/// <summary><c>search.completed</c>: a search has its results.</summary>
public sealed record SearchCompleted(string SearchId, string Query, int TotalHits, long TookMs, IReadOnlyList<SearchHit> Results, string TaskId);

/// <summary>The status of a task.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AgentTaskStatus>))]
public enum AgentTaskStatus
{
    /// <summary>Waiting for a free slot.</summary>
    [JsonStringEnumMemberName("queued")] Queued,
    /// <summary>Running.</summary>
    [JsonStringEnumMemberName("running")] Running,
    /// <summary>Ended well.</summary>
    [JsonStringEnumMemberName("completed")] Completed,
    /// <summary>Ended badly (see <see cref="TaskRecord.Error"/>).</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>A task as the server knows it: in <c>session.snapshot</c> and <c>GET /api/tasks</c>.</summary>
public sealed record TaskRecord
{
    /// <summary>The task's id.</summary>
    public required string TaskId { get; init; }
    /// <summary>What the task does, such as <c>document.index</c>.</summary>
    public required string Kind { get; init; }
    /// <summary>A title fit to show a person.</summary>
    public required string Title { get; init; }
    /// <summary>The agent that runs it.</summary>
    public required string Agent { get; init; }
    /// <summary>The resource it works on; <c>null</c> when none.</summary>
    public string? ResourceId { get; init; }
    /// <summary>The user it belongs to; <c>null</c> for a public task.</summary>
    public string? Owner { get; init; }
    /// <summary>Queued, running, completed or failed.</summary>
    public AgentTaskStatus Status { get; init; }
    /// <summary>How far it is, from 0 to 1.</summary>
    public double Progress { get; init; }
    /// <summary>The current stage; <c>null</c> before the first step.</summary>
    public string? Stage { get; init; }
    /// <summary>The latest message; <c>null</c> when none.</summary>
    public string? Message { get; init; }
    /// <summary>When it started (or was queued).</summary>
    public DateTimeOffset StartedAt { get; init; }
    /// <summary>When it ended; <c>null</c> while queued or running.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>Why it failed; <c>null</c> unless failed.</summary>
    public TaskError? Error { get; init; }

    /// <summary>The stage of a <c>task.progress</c> that says the task waits for a free slot: its record is then queued.</summary>
    public const string QueuedStage = "queued";

    /// <summary>
    /// The task as <c>task.started</c> makes it: running from <paramref name="at"/>. What every reader
    /// of the events (the server's snapshot, its store, a page) folds them into, so all agree.
    /// </summary>
    public static TaskRecord Started(TaskStarted started, DateTimeOffset at, string? owner = null)
    {
        ArgumentNullException.ThrowIfNull(started);
        return new TaskRecord
        {
            TaskId = started.TaskId,
            Kind = started.Kind,
            Title = started.Title,
            Agent = started.Agent,
            ResourceId = started.ResourceId,
            Owner = owner,
            Status = AgentTaskStatus.Running,
            StartedAt = at,
        };
    }

    /// <summary>The task after a <c>task.progress</c>: queued at stage <see cref="QueuedStage"/>, else running.</summary>
    public TaskRecord With(TaskProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return this with
        {
            Status = progress.Stage == QueuedStage ? AgentTaskStatus.Queued : AgentTaskStatus.Running,
            Progress = progress.Progress,
            Stage = progress.Stage,
            Message = progress.Message,
        };
    }

    /// <summary>The task after <c>task.completed</c> at <paramref name="at"/>.</summary>
    public TaskRecord Completed(DateTimeOffset at) =>
        this with { Status = AgentTaskStatus.Completed, Progress = 1, FinishedAt = at, Error = null };

    /// <summary>The task after <c>task.failed</c> at <paramref name="at"/>; its message becomes the reason.</summary>
    public TaskRecord Failed(TaskError error, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(error);
        return this with { Status = AgentTaskStatus.Failed, FinishedAt = at, Error = error, Message = error.Message };
    }
}
