using System.Net;

namespace AgentPulse.Web.Tests;

public class SearchPanelTests : WebTestContext
{
    private static SearchCompleted Results(string searchId, params SearchHit[] hits) =>
        new(searchId, "agents", hits.Length, 12, hits, "task-" + searchId);

    private IRenderedComponent<SearchPanel> Search(string query, Action? whileThePostIsAnswered = null)
    {
        Api.Respond = request =>
        {
            whileThePostIsAnswered?.Invoke();
            return FakeApi.Json("""{"searchId":"s1","taskId":"task-s1"}""", 202);
        };
        var cut = Render<SearchPanel>();
        cut.Find("input[type=search]").Input(query);
        cut.Find("form").Submit();
        return cut;
    }

    [Fact]
    public void Search_ShowsSearching_UntilItsResultsCome_ThenTheResults_WithoutAToast()
    {
        var cut = Search("agents");

        cut.WaitForAssertion(() => Assert.Equal("Searching…", cut.Find(".searching").TextContent));
        Assert.Equal(["POST /api/search"], Api.Requests);

        Client.Publish(Results("other"));
        Assert.Equal("Searching…", cut.Find(".searching").TextContent);

        Client.Publish(Results("s1",
            new SearchHit("d1", "notes.md", "Our <mark>agents</mark> index &amp; search.", 2.5),
            new SearchHit("d2", "paper.pdf", "Many <mark>agents</mark>.", 1.1)));

        cut.WaitForAssertion(() => Assert.Equal(["notes.md", "paper.pdf"], cut.FindAll(".result-name").Select(e => e.TextContent)));
        Assert.Equal("2 results for “agents” · 12 ms", cut.Find(".summary").TextContent);
        Assert.Equal("Our agents index & search.", cut.Find(".snippet").TextContent);
        Assert.Equal(["agents", "agents"], cut.FindAll("mark").Select(e => e.TextContent));
        Assert.Empty(ToastService.Toasts);
    }

    [Fact]
    public void ResultsThatArriveBeforeTheServerAnswers_AreNotMissed()
    {
        var cut = Search("agents", () => Client.Publish(Results("s1", new SearchHit("d1", "notes.md", "<mark>agents</mark>", 1))));

        cut.WaitForAssertion(() => Assert.Equal("notes.md", cut.Find(".result-name").TextContent));
    }

    [Fact]
    public void SnippetMarkup_IsShownAsText_NeverRun()
    {
        var cut = Search("agents");

        Client.Publish(Results("s1", new SearchHit("d1", "<b>x</b>.md", "&lt;script&gt;alert(1)&lt;/script&gt; <mark>agents</mark>", 1)));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll(".result")));
        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll(".result b"));
        Assert.Equal("<script>alert(1)</script> agents", cut.Find(".snippet").TextContent);
        Assert.Equal("<b>x</b>.md", cut.Find(".result-name").TextContent);
    }

    [Fact]
    public void NoHits_ShowsTheEmptyState()
    {
        var cut = Search("zebra");

        Client.Publish(new SearchCompleted("s1", "zebra", 0, 3, [], "task-s1"));

        cut.WaitForAssertion(() => Assert.Equal("No documents match “zebra”.", cut.Find(".empty").TextContent));
        Assert.Empty(ToastService.Toasts);
    }

    [Fact]
    public void RefusedSearch_ShowsTheServersReason()
    {
        Api.Respond = _ => FakeApi.Json("""{"title":"The query is too long","detail":"A query may be up to 500 characters long.","status":400}""", 400);
        var cut = Render<SearchPanel>();
        cut.Find("input[type=search]").Input("x");

        cut.Find("form").Submit();

        cut.WaitForAssertion(() => Assert.Equal("A query may be up to 500 characters long.", cut.Find("[role=alert]").TextContent));
    }

    [Fact]
    public void FailedSearchTask_ShowsTheErrorWhereThePersonTyped_NotInAToast()
    {
        var cut = Search("agents");

        Client.Publish(new TaskFailed("task-s1", new TaskError("index_unavailable", "The index is being rebuilt."), true));

        cut.WaitForAssertion(() => Assert.Equal("The search failed: The index is being rebuilt.", cut.Find("[role=alert]").TextContent));
        Assert.Empty(ToastService.Toasts);
    }

    [Fact]
    public async Task ADocumentDeletedFromThePage_LeavesTheResultsAtOnce_AndSameNamedOnesAreToldApart()
    {
        const string Two = """
            {"documents":[
              {"documentId":"d2","name":"same.md","contentType":"text/markdown","sizeBytes":3,"status":"indexed","chunkCount":1,"taskId":"t2","createdAt":"2026-11-25T17:01:00Z","indexedAt":null,"error":null},
              {"documentId":"d1","name":"same.md","contentType":"text/markdown","sizeBytes":1,"status":"indexed","chunkCount":1,"taskId":"t1","createdAt":"2026-11-25T17:00:00Z","indexedAt":null,"error":null}
            ]}
            """;
        var cut = Search("agents");
        Client.Publish(Results("s1", new SearchHit("d1", "same.md", "<mark>agents</mark>", 2), new SearchHit("d2", "same.md", "<mark>agents</mark>", 1)));
        Api.Respond = request => request.Method == HttpMethod.Delete ? new HttpResponseMessage(HttpStatusCode.NoContent) : FakeApi.Json(Two);
        await cut.InvokeAsync(Library.ReloadAsync);
        cut.WaitForAssertion(() => Assert.Equal(["same.md", "same.md (2)"], cut.FindAll(".result-name").Select(e => e.TextContent)));

        await cut.InvokeAsync(() => Library.DeleteAsync(Library.Documents.Single(d => d.DocumentId == "d2")));

        cut.WaitForAssertion(() => Assert.Equal(["same.md"], cut.FindAll(".result-name").Select(e => e.TextContent)));
        Assert.Equal("1 result for “agents” · 12 ms", cut.Find(".summary").TextContent);
    }

    [Fact]
    public void EmptyQuery_AsksForOne_WithoutCallingTheServer()
    {
        var cut = Render<SearchPanel>();

        cut.Find("form").Submit();

        Assert.Equal("Type something to search for.", cut.Find("[role=alert]").TextContent);
        Assert.Empty(Api.Requests);
    }
}
