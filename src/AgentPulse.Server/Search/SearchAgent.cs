using System.Text.Json;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
using AgentPulse.Server.Documents;
using AgentPulse.Server.Tasks;

namespace AgentPulse.Server.Search;

/// <summary>The searcher: runs a query as a task and publishes <c>search.completed</c>.</summary>
internal sealed class SearchAgent(SearchIndex index, SearchStore searches, DocumentStore documents, TaskRunner runner, TimeProvider time)
{
    public const string AgentName = "searcher";
    public const string Source = "/agents/searcher";

    public async Task<SearchAccepted> StartAsync(string query, int top)
    {
        var searchId = TaskRunner.NewId();
        var taskId = TaskRunner.NewId();
        searches.Insert(searchId, query, top, taskId, time.GetUtcNow());
        var title = query.Length <= 60 ? $"Searching for “{query}”" : $"Searching for “{query[..60]}…”";
        await runner.StartAsync(
            new TaskDefinition(taskId, TaskKinds.Search, title, AgentName, Source, searchId, TaskLane.Search),
            (context, cancellationToken) => SearchAsync(searchId, query, top, context, cancellationToken),
            error =>
            {
                searches.Fail(searchId, error);
                return Task.CompletedTask;
            });
        return new SearchAccepted(searchId, taskId);
    }

    private async Task<TaskOutcome> SearchAsync(string searchId, string query, int top, TaskContext context, CancellationToken cancellationToken)
    {
        await context.ReportAsync("searching", 0, "looking through the index");
        var started = time.GetTimestamp();
        // Only whole documents are found: chunks of one still being indexed stay hidden.
        var searchable = documents.IndexedIds();
        cancellationToken.ThrowIfCancellationRequested();
        var (totalHits, hits) = index.Search(query, top, searchable.Contains);
        var tookMs = (long)time.GetElapsedTime(started).TotalMilliseconds;
        await context.ReportAsync("searching", 1, $"{totalHits} matching documents", 1, 1);

        var completed = new SearchCompleted(
            searchId,
            query,
            totalHits,
            tookMs,
            hits.Select(h => new SearchHit(h.DocumentId, h.Name, h.Snippet, Math.Round(h.Score, 4))).ToList(),
            context.TaskId);
        searches.Complete(completed);
        var result = JsonSerializer.SerializeToElement(new SearchTaskResult(searchId, totalHits), AgentPulseJsonContext.Default.SearchTaskResult);
        return new TaskOutcome(result, () => context.PublishAsync(completed, $"searches/{searchId}").AsTask());
    }
}
