using System.Text.Json;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
using AgentPulse.Server.Documents;
using AgentPulse.Server.Identity;
using AgentPulse.Server.Tasks;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Search;

/// <summary>
/// The searcher: runs a query as a task and publishes <c>search.completed</c>. A search with fuzzy,
/// prefix or proximity terms runs in slots of its own, so plain searches never wait behind it; each
/// has <see cref="SearchOptions.MaxSearchTime"/> to finish.
/// </summary>
internal sealed class SearchAgent(SearchIndex index, SearchStore searches, DocumentStore documents, TaskRunner runner, TimeProvider time, IOptions<SearchOptions> options)
{
    public const string AgentName = "searcher";
    public const string Source = "/agents/searcher";

    /// <summary>Starts a search of what <paramref name="viewer"/> may see; it and its task are the viewer's.</summary>
    public async Task<SearchAccepted> StartAsync(string text, SearchQuery query, int top, Viewer viewer)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(viewer);
        var searchId = TaskRunner.NewId();
        var taskId = TaskRunner.NewId();
        searches.Insert(searchId, text, top, taskId, time.GetUtcNow(), viewer.Owner);
        var title = text.Length <= 60 ? $"Searching for “{text}”" : $"Searching for “{text[..60]}…”";
        await runner.StartAsync(
            new TaskDefinition(taskId, TaskKinds.Search, title, AgentName, Source, searchId, query.IsCostly ? TaskLane.CostlySearch : TaskLane.Search, viewer.Owner),
            (context, cancellationToken) => SearchAsync(searchId, text, query, top, viewer, context, cancellationToken),
            error =>
            {
                searches.Fail(searchId, error);
                return Task.CompletedTask;
            });
        return new SearchAccepted(searchId, taskId);
    }

    private async Task<TaskOutcome> SearchAsync(string searchId, string text, SearchQuery query, int top, Viewer viewer, TaskContext context, CancellationToken cancellationToken)
    {
        // Counted from before the first report, which is where a test holds the task to let time pass.
        using var timeLimit = new WorkTimeLimit(options.Value.MaxSearchTime, time, cancellationToken);
        await context.ReportAsync("searching", 0, "looking through the index");
        var started = time.GetTimestamp();
        // Only whole documents are found (chunks of one still being indexed stay hidden), and only those the viewer may see.
        var searchable = documents.IndexedIds(viewer);
        int totalHits;
        List<ChunkHit> hits;
        try
        {
            (totalHits, hits) = index.Search(query, top, searchable.Contains, timeLimit.Token);
        }
        catch (OperationCanceledException ex) when (timeLimit.HasExpired(ex))
        {
            throw new TaskFailureException(
                "timeout",
                $"The search took longer than {Describe.Duration(timeLimit.Limit)}, the most a search may take. Try fewer fuzzy (~) or prefix (*) terms.");
        }
        var tookMs = (long)time.GetElapsedTime(started).TotalMilliseconds;
        await context.ReportAsync("searching", 1, $"{totalHits} matching documents", 1, 1);

        var completed = new SearchCompleted(
            searchId,
            text,
            totalHits,
            tookMs,
            hits.Select(h => new SearchHit(h.DocumentId, h.Name, h.Snippet, Math.Round(h.Score, 4))).ToList(),
            context.TaskId);
        searches.Complete(completed);
        var result = JsonSerializer.SerializeToElement(new SearchTaskResult(searchId, totalHits), AgentPulseJsonContext.Default.SearchTaskResult);
        return new TaskOutcome(result, () => context.PublishAsync(completed, $"searches/{searchId}").AsTask());
    }
}
