using System.Net;
using System.Net.Http.Json;
using AgentPulse.Server.Search;
using AgentPulse.Server.Tasks;
using AgentPulse.Testing;
using Lucene.Net.Analysis.En;
using Lucene.Net.Search;
using Lucene.Net.Util;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.Server.Tests;

/// <summary>
/// Costly queries are bounded: caps on words and on fuzzy and prefix terms (400), fuzzy edits and
/// proximity lowered to their caps, a time limit, and slots of their own. Before, 250 <c>word~2</c>
/// terms took 11.5 s and eight such searches at once took a plain one from 0.11 s to 21.6 s.
/// </summary>
public sealed class SearchLimitTests
{
    [Theory]
    [InlineData(33, "word{0}", "Too many words")]
    [InlineData(5, "word{0}~1", "Too many fuzzy or prefix terms")]
    [InlineData(5, "wor{0}*", "Too many fuzzy or prefix terms")]
    [InlineData(250, "word{0}~2", "The query is too long")]
    public async Task Search_OverTheCaps_IsRefusedWith400ProblemDetails(int count, string term, string title)
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();
        var query = string.Join(' ', Enumerable.Range(0, count).Select(i => string.Format(System.Globalization.CultureInfo.InvariantCulture, term, (char)('a' + i % 26) + i.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        using var response = await http.PostAsJsonAsync("api/search", new { query, top = 10 });

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(title, problem.Str("title"));
        Assert.Empty(await http.GetFromJsonAsync<List<object>>("api/tasks") ?? []);
    }

    [Fact]
    public void Parse_LowersFuzzyEditsAndProximityToTheirCaps_AndCountsTheCost()
    {
        using var analyzer = new EnglishAnalyzer(LuceneVersion.LUCENE_48);
        var options = new SearchOptions { MaxFuzzyEdits = 1, MaxPhraseSlop = 3 };

        var parsed = SearchQuery.Parse("gordon~2 \"winter garden\"~50 apple* plain", analyzer, "text", options);

        Assert.Equal(5, parsed.Terms);
        Assert.Equal(2, parsed.ExpandingTerms);
        Assert.True(parsed.IsCostly);
        var clauses = Assert.IsType<BooleanQuery>(parsed.Query).Clauses.Select(c => c.Query).ToList();
        Assert.Equal(1, Assert.IsType<FuzzyQuery>(clauses[0]).MaxEdits);
        Assert.Equal(3, Assert.IsType<PhraseQuery>(clauses[1]).Slop);
        Assert.IsType<PrefixQuery>(clauses[2]);
        Assert.IsType<TermQuery>(clauses[3]);

        var off = SearchQuery.Parse("gordon~2 \"winter garden\"~50", analyzer, "text", new SearchOptions { MaxFuzzyEdits = 0, MaxPhraseSlop = 0 });
        Assert.False(off.IsCostly);
        Assert.Equal(0, Assert.IsType<PhraseQuery>(Assert.IsType<BooleanQuery>(off.Query).Clauses[1].Query).Slop);
        Assert.False(SearchQuery.Parse("plain \"exact phrase\"", analyzer, "text", options).IsCostly);
        Assert.Null(SearchQuery.Parse("the", analyzer, "text", options).Query);
    }

    [Fact]
    public async Task FuzzySearch_MatchesWithinMaxFuzzyEdits_NotTheTwoAskedFor()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?> { ["Search:MaxFuzzyEdits"] = "1" });
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        await http.UploadAsync(("garden.html", Fixtures.Utf8(Fixtures.GardenHtml)));
        await events.WaitForAsync(list => list.Any(e => e.Type() == "document.indexed"));

        var (_, oneEdit) = await http.SearchAsync("gardon~2");
        var (_, twoEdits) = await http.SearchAsync("gordon~2");

        Assert.Equal(1, (await DocumentUploadTests.WaitForSearchAsync(events, oneEdit)).GetProperty("totalHits").GetInt32());
        Assert.Equal(0, (await DocumentUploadTests.WaitForSearchAsync(events, twoEdits)).GetProperty("totalHits").GetInt32());
    }

    [Fact]
    public async Task Search_OverTheTimeLimit_FailsItsTaskSayingSo()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // Held at the first report, after the time limit started counting.
        var gate = new TaskGate { Holds = c => c.Kind == "search" && c.Stage == "searching" && c.Current is null };
        await using var server = await HeldServer.StartAsync(gate, clock: clock, settings: new() { ["Search:MaxSearchTime"] = "00:00:02" });
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var (searchId, taskId) = await http.SearchAsync("garden~1 roses");
        await gate.WaitForHeldAsync(1);

        clock.Advance(TimeSpan.FromSeconds(3));
        gate.Open();
        var end = await events.WaitForEndAsync(taskId);

        Assert.Equal("task.failed", end.Type());
        var error = end.Data().GetProperty("error");
        Assert.Equal("timeout", error.Str("code"));
        Assert.Equal("The search took longer than 2 seconds, the most a search may take. Try fewer fuzzy (~) or prefix (*) terms.", error.Str("message"));
        var search = await http.GetJsonAsync($"api/search/{searchId}");
        Assert.Equal("failed", search.Str("status"));
        Assert.Equal("timeout", search.GetProperty("error").Str("code"));
    }

    [Fact]
    public async Task CostlySearches_RunInSlotsOfTheirOwn_SoAPlainSearchDoesNotWaitBehindThem()
    {
        var gate = new TaskGate { Holds = c => c.Kind == "search" && c.Stage == "searching" && c.Current is null };
        await using var server = await HeldServer.StartAsync(gate, settings: new() { ["Tasks:MaxConcurrentSearches"] = "4", ["Tasks:MaxConcurrentCostlySearches"] = "1" });
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();

        var costly = new List<string>();
        foreach (var query in new[] { "garden~1", "rose*", "\"winter garden\"~3", "tulip~1 apple*" })
        {
            costly.Add((await http.SearchAsync(query)).TaskId);
        }
        // Each is either running (held at the gate) or queued.
        await events.WaitForAsync(list => gate.Held.Count + list.Count(e => IsQueued(e, costly)) == costly.Count);
        gate.Holds = _ => false;
        var (_, plain) = await http.SearchAsync("garden");
        var plainEnd = await events.WaitForEndAsync(plain);

        Assert.Equal("task.completed", plainEnd.Type());
        Assert.Single(gate.Held);
        Assert.Equal(3, events.Events.Count(e => IsQueued(e, costly)));
        Assert.DoesNotContain(events.Events, e => IsQueued(e, [plain]));
        gate.Open();
        await events.WaitForAsync(list => costly.All(id => list.Any(e => e.Type() == "task.completed" && e.Data().Str("taskId") == id)));
    }

    private static bool IsQueued(System.Text.Json.JsonElement e, IReadOnlyCollection<string> taskIds) =>
        e.Type() == "task.progress" && e.Data().Str("stage") == "queued" && taskIds.Contains(e.Data().Str("taskId"));
}
