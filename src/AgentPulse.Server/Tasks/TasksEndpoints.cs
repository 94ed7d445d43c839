using AgentPulse.Protocol;
using AgentPulse.Server.Identity;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Tasks;

/// <summary><c>/api/tasks</c>: the task records (the same as <c>session.snapshot</c>) and cancellation.</summary>
internal static class TasksEndpoints
{
    public static void MapTasks(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/tasks");
        group.MapGet("/", List);
        group.MapGet("/{taskId}", Get);
        group.MapDelete("/{taskId}", CancelAsync);
    }

    private static IResult List(TaskStore store, IOptions<TaskOptions> options, Viewer viewer, bool? active) =>
        Results.Json(store.List(active == true, options.Value.ListLimit, viewer), AgentPulseJsonContext.Default.ListTaskRecord);

    private static IResult Get(string taskId, TaskStore store, Viewer viewer) =>
        store.Get(taskId, viewer) is { } record
            ? Results.Json(record, AgentPulseJsonContext.Default.TaskRecord)
            : Problems.NotFound("task", taskId);

    private static async Task<IResult> CancelAsync(string taskId, TaskRunner runner, TaskStore store, Viewer viewer) =>
        store.Get(taskId, viewer) is null ? Problems.NotFound("task", taskId) : await runner.CancelAsync(taskId) switch
        {
            CancelResult.NotFound => Problems.NotFound("task", taskId),
            CancelResult.AlreadyFinished => Problems.Create(StatusCodes.Status409Conflict, "The task has finished", "This task has already finished, so it cannot be cancelled."),
            _ => Results.Accepted(),
        };
}
