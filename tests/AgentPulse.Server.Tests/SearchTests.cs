using System.Net;
using System.Net.Http.Json;
using AgentPulse.Testing;

namespace AgentPulse.Server.Tests;

public sealed class SearchTests
{
    [Fact]
    public async Task Search_ForAStemmedWord_RanksTheRightDocumentFirst_WithTheWordMarkedInItsSnippet()
    {
        await using var server = await RunningServer.StartAsync();
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var accepted = await http.UploadAsync(
            ("night-shift.txt", Fixtures.Utf8(Fixtures.LongText)),
            ("garden.html", Fixtures.Utf8(Fixtures.GardenHtml)),
            ("bread.md", Fixtures.Utf8(Fixtures.BakingMarkdown)));
        await events.WaitForAsync(list => list.Count(e => e.Type() == "document.indexed") == 3);
        Assert.DoesNotContain("agents", Fixtures.LongText, StringComparison.OrdinalIgnoreCase);

        var (searchId, taskId) = await http.SearchAsync("agents");
        var completed = await DocumentUploadTests.WaitForSearchAsync(events, taskId);

        Assert.Equal(searchId, completed.Str("searchId"));
        Assert.Equal("agents", completed.Str("query"));
        Assert.Equal(1, completed.GetProperty("totalHits").GetInt32());
        var best = Assert.Single(completed.GetProperty("results").EnumerateArray());
        Assert.Equal(accepted[0].Str("documentId"), best.Str("documentId"));
        Assert.Equal("night-shift.txt", best.Str("name"));
        Assert.Contains("<mark>agent</mark>", best.Str("snippet"), StringComparison.Ordinal);
        Assert.True(best.GetProperty("score").GetDouble() > 0);
        Assert.Equal(["task.started", "task.progress", "task.completed", "search.completed"], events.Events.SkipWhile(e => e.Type() != "task.started" || e.Data().Str("taskId") != taskId).Select(e => e.Type()).Distinct());
        var started = events.ForTask(taskId)[0].Data();
        Assert.Equal("search", started.Str("kind"));
        Assert.Equal(searchId, started.Str("resourceId"));

        var kept = await http.GetJsonAsync($"api/search/{searchId}");
        Assert.Equal("completed", kept.Str("status"));
        Assert.Equal(best.GetRawText(), kept.GetProperty("results")[0].GetRawText());
    }

    [Fact]
    public async Task Search_RanksByRelevance_AndCollapsesChunksToOneResultPerDocument()
    {
        await using var server = await RunningServer.StartAsync();
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        await http.UploadAsync(
            ("night-shift.txt", Fixtures.Utf8(Fixtures.LongText)),
            ("cake.txt", Fixtures.Utf8("A lemon cake needs lemons, sugar and butter. Lemon zest makes the lemon cake bright.")));
        await events.WaitForAsync(list => list.Count(e => e.Type() == "document.indexed") == 2);

        var (_, taskId) = await http.SearchAsync("lemon cake");
        var completed = await DocumentUploadTests.WaitForSearchAsync(events, taskId);

        var results = completed.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(2, completed.GetProperty("totalHits").GetInt32());
        Assert.Equal(["cake.txt", "night-shift.txt"], results.Select(r => r.Str("name")));
        Assert.True(results[0].GetProperty("score").GetDouble() > results[1].GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task Search_SnippetEscapesHtmlOfTheText()
    {
        await using var server = await RunningServer.StartAsync();
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        await http.UploadAsync(("code.md", Fixtures.Utf8("Use the <script> tag with care: the walrus & the carpenter.")));
        await events.WaitForAsync(list => list.Any(e => e.Type() == "document.indexed"));

        var (_, taskId) = await http.SearchAsync("walrus");
        var snippet = (await DocumentUploadTests.WaitForSearchAsync(events, taskId)).GetProperty("results")[0].Str("snippet");

        Assert.Equal("Use the &lt;script&gt; tag with care: the <mark>walrus</mark> &amp; the carpenter.", snippet);
    }

    [Theory]
    [InlineData("{\"query\":\"\"}")]
    [InlineData("{\"query\":\"   \"}")]
    [InlineData("{}")]
    public async Task Search_WithAnEmptyQuery_IsRefusedWith400ProblemDetails(string body)
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();

        using var response = await http.PostAsync("api/search", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("The query is empty", problem.Str("title"));
        Assert.Empty(await http.GetFromJsonAsync<List<object>>("api/tasks") ?? []);
    }

    [Fact]
    public async Task GetSearch_ForAnUnknownId_Is404ProblemDetails()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();

        using var response = await http.GetAsync("api/search/nope");

        await Api.ProblemAsync(response, HttpStatusCode.NotFound);
    }
}
