using System.Text.Json;
using AgentPulse.Protocol;

namespace AgentPulse.Server.Tasks;

/// <summary>Which pool of slots a task waits for.</summary>
internal enum TaskLane
{
    /// <summary>Document indexing: <see cref="TaskOptions.MaxConcurrency"/> at once.</summary>
    Documents,
    /// <summary>Searches: <see cref="TaskOptions.MaxConcurrentSearches"/> at once.</summary>
    Search,
    /// <summary>Searches with fuzzy, prefix or proximity terms: <see cref="TaskOptions.MaxConcurrentCostlySearches"/> at once, apart from the others.</summary>
    CostlySearch,
}

/// <summary>What a task is, as <c>task.started</c> tells it.</summary>
/// <param name="TaskId">The id the caller made with <see cref="TaskRunner.NewId"/>.</param>
/// <param name="Kind">Such as <c>document.index</c> or <c>search</c>.</param>
/// <param name="Title">Fit to show a person.</param>
/// <param name="Agent">Such as <c>indexer</c>.</param>
/// <param name="Source">The CloudEvents source of its events, such as <c>/agents/indexer</c>.</param>
/// <param name="ResourceId">The document or search it works on.</param>
/// <param name="Lane">Which slots it waits for.</param>
/// <param name="Owner">The user it belongs to; <c>null</c> for a public task (the single local user).</param>
internal sealed record TaskDefinition(string TaskId, string Kind, string Title, string Agent, string Source, string? ResourceId, TaskLane Lane, string? Owner = null);

/// <summary>The work of a task. Throw <see cref="TaskFailureException"/> to fail it with a message for a person.</summary>
internal delegate Task<TaskOutcome> TaskWork(TaskContext context, CancellationToken cancellationToken);

/// <summary>Called when a task fails (or is cancelled), before <c>task.failed</c> goes out; not called when the server stops.</summary>
internal delegate Task TaskFailedHandler(TaskError error);

/// <summary>How a task ended well.</summary>
/// <param name="Result">The short summary of <c>task.completed</c>.</param>
/// <param name="AfterCompleted">Runs right after <c>task.completed</c> is published (to publish <c>document.indexed</c>, for example).</param>
internal sealed record TaskOutcome(JsonElement? Result, Func<Task>? AfterCompleted = null);

/// <summary>What <see cref="TaskRunner.CancelAsync"/> did.</summary>
internal enum CancelResult
{
    NotFound,
    AlreadyFinished,
    Cancelled,
}
