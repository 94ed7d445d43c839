using System.Globalization;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;

namespace AgentPulse.Web.Components;

/// <summary>Where a search is.</summary>
public enum SearchState
{
    /// <summary>Nothing asked yet.</summary>
    Idle,

    /// <summary>Asked; waiting for <c>search.completed</c>.</summary>
    Searching,

    /// <summary>Results (maybe none) are shown.</summary>
    Done,

    /// <summary>The search could not be made or failed.</summary>
    Failed,
}

/// <summary>
/// A query box; "Searching…" until the search's <c>search.completed</c> arrives; then the results with
/// document names (told apart as the documents list tells them) and highlighted snippets. Empty and error
/// states say so plainly, here, where the person typed: a search is never toasted. A document deleted from
/// this page leaves the results at once.
/// </summary>
public sealed partial class SearchPanel
{
    private const int Top = 10;

    // Results that came before the server's answer told us the search's id (the events are faster than HTTP).
    private readonly Dictionary<string, SearchCompleted> early = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskError> earlyFailures = new(StringComparer.Ordinal);
    private readonly List<IDisposable> subscriptions = [];
    private string query = "";
    private SearchState state;
    private SearchCompleted? result;
    private string? error;
    private SearchAccepted? pending;
    private bool awaitingAnswer;

    protected override void OnInitialized()
    {
        subscriptions.Add(Client.On<SearchCompleted>((completed, envelope) => _ = InvokeAsync(() => OnCompleted(completed))));
        subscriptions.Add(Client.On<TaskFailed>((failed, envelope) => _ = InvokeAsync(() => OnFailed(failed))));
        Client.Resynced += OnResynced;
        Library.Changed += OnLibraryChanged;
    }

    public void Dispose()
    {
        Library.Changed -= OnLibraryChanged;
        Client.Resynced -= OnResynced;
        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }
        subscriptions.Clear();
    }

    private async Task SearchAsync()
    {
        var text = query.Trim();
        if (text.Length == 0)
        {
            state = SearchState.Failed;
            error = "Type something to search for.";
            return;
        }
        state = SearchState.Searching;
        result = null;
        error = null;
        pending = null;
        early.Clear();
        earlyFailures.Clear();
        awaitingAnswer = true;
        try
        {
            pending = await Api.StartSearchAsync(text, Top);
        }
        catch (ApiException ex)
        {
            state = SearchState.Failed;
            error = ex.Message;
            return;
        }
        finally
        {
            awaitingAnswer = false;
        }
        if (early.Remove(pending.SearchId, out var completed))
        {
            Complete(completed);
        }
        else if (earlyFailures.Remove(pending.TaskId, out var failure))
        {
            Fail(failure);
        }
        early.Clear();
        earlyFailures.Clear();
    }

    private void OnCompleted(SearchCompleted completed)
    {
        if (pending?.SearchId == completed.SearchId)
        {
            Complete(completed);
            StateHasChanged();
        }
        else if (awaitingAnswer)
        {
            early[completed.SearchId] = completed;
        }
    }

    private void OnFailed(TaskFailed failed)
    {
        if (pending?.TaskId == failed.TaskId)
        {
            Fail(failed.Error);
            StateHasChanged();
        }
        else if (awaitingAnswer)
        {
            earlyFailures[failed.TaskId] = failed.Error;
        }
    }

    /// <summary>After a resync the result may have come while the page was away: ask the server.</summary>
    private void OnResynced(ResyncEventArgs args) => _ = InvokeAsync(async () =>
    {
        if (state != SearchState.Searching || pending is not { } search)
        {
            return;
        }
        try
        {
            if (await Api.GetSearchAsync(search.SearchId) is { } view && pending == search)
            {
                if (view is { Status: SearchStatus.Completed, Results: { } results })
                {
                    Complete(new SearchCompleted(view.SearchId, view.Query, view.TotalHits ?? results.Count, view.TookMs ?? 0, results, view.TaskId));
                }
                else if (view is { Status: SearchStatus.Failed, Error: { } failure })
                {
                    Fail(failure);
                }
                StateHasChanged();
            }
        }
        catch (ApiException)
        {
            // Still searching: the event will come.
        }
    });

    private void Complete(SearchCompleted completed)
    {
        pending = null;
        result = completed;
        state = SearchState.Done;
    }

    private void Fail(TaskError failure)
    {
        pending = null;
        state = SearchState.Failed;
        error = $"The search failed: {failure.Message}";
    }

    /// <summary>The hits to show: without documents deleted since.</summary>
    private List<SearchHit> Shown(SearchCompleted completed) => [.. completed.Results.Where(h => !Library.WasDeleted(h.DocumentId))];

    /// <summary>A delete, or new names to tell documents apart: the results show them at once.</summary>
    private void OnLibraryChanged() => _ = InvokeAsync(StateHasChanged);

    private static string Hits(int count) => count == 1 ? "1 result" : string.Create(CultureInfo.InvariantCulture, $"{count} results");
}
