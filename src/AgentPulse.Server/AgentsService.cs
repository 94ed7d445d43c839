using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
using AgentPulse.Server.Documents;
using AgentPulse.Server.Search;
using AgentPulse.Server.Storage;
using AgentPulse.Server.Tasks;

namespace AgentPulse.Server;

/// <summary>
/// At start, settles what a previous process left unfinished: its tasks become failed
/// ("interrupted by a server restart", with a <c>task.failed</c> in the log, which a page that
/// resumes gets as a live event), its half-indexed documents failed
/// (re-indexable) with their partial chunks removed from the index, and the snapshot is seeded
/// with recent tasks. At stop, ends running tasks without recording an outcome, as a crash would.
/// </summary>
/// <remarks>Registered after <c>AddAgentPulse</c>, so the sequencer already runs when this publishes.</remarks>
internal sealed partial class AgentsService(
    AgentDatabase database,
    TaskStore tasks,
    DocumentStore documents,
    SearchStore searches,
    SearchIndex index,
    TaskRunner runner,
    TaskProjection projection,
    IEventPublisher publisher,
    TimeProvider time,
    ILogger<AgentsService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var interrupted = new TaskError(TaskErrorCodes.Interrupted, TaskRunner.InterruptedMessage);
        // Uploads that were being received when the previous process stopped were never accepted.
        var incoming = Path.Combine(database.DocumentsPath, "incoming");
        if (Directory.Exists(incoming))
        {
            Directory.Delete(incoming, recursive: true);
        }
        var unfinished = tasks.List(activeOnly: true, int.MaxValue);
        var recent = tasks.List(activeOnly: false, projection.MaxFinished);
        projection.Seed(recent.UnionBy(unfinished, r => r.TaskId));

        var removed = 0;
        foreach (var document in documents.List())
        {
            if (document.Status != DocumentStatus.Indexed)
            {
                // A commit of another document may have made some of its chunks durable.
                index.DeleteChunks(document.DocumentId);
                removed++;
            }
            if (document.Status == DocumentStatus.Indexing)
            {
                documents.MarkFailed(document.DocumentId, interrupted);
            }
        }
        if (removed > 0)
        {
            index.Commit();
        }
        searches.FailUnfinished(interrupted);

        var now = time.GetUtcNow();
        foreach (var task in unfinished)
        {
            // Published (durably) before the record is saved, with an id of its own: if this process
            // dies in between, the next start publishes it again and the log keeps the first one.
            var audience = task.Owner is { } owner ? EventAudience.User(owner) : EventAudience.Public;
            var failed = CloudEvent.Create(new TaskFailed(task.TaskId, interrupted, Retryable: true), $"/agents/{task.Agent}", $"tasks/{task.TaskId}", id: $"interrupted-{task.TaskId}", time: now);
            await publisher.PublishAsync(failed, audience, cancellationToken);
            tasks.Save(task with { Status = AgentTaskStatus.Failed, FinishedAt = now, Error = interrupted, Message = interrupted.Message });
        }
        if (unfinished.Count > 0)
        {
            LogInterrupted(logger, unfinished.Count);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => runner.StopAsync(cancellationToken);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "{Count} tasks were left unfinished by the previous run; marked as interrupted")]
    private static partial void LogInterrupted(ILogger logger, int count);
}
