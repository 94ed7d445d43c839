using System.Threading.Channels;

namespace AgentPulse.Web.Tests;

/// <summary>The library as a plain class: what makes it reload, and how reloads fold together.</summary>
public class DocumentLibraryTests
{
    private readonly FakeClient client = new();
    private readonly FakeApi api = new();
    private readonly DocumentLibrary library;

    public DocumentLibraryTests()
    {
        library = new DocumentLibrary(new AgentPulseApi(new HttpClient(api) { BaseAddress = new Uri("http://localhost:8000/") }));
        library.Attach(client);
    }

    [Fact]
    public async Task Reload_ReadsTheDocuments_AndFindsOneByItsTask()
    {
        api.Respond = _ => FakeApi.Json(DocumentsPanelTests.BadPdf);
        var changes = 0;
        library.Changed += () => changes++;

        await library.ReloadAsync();

        var document = Assert.Single(library.Documents);
        Assert.Equal((DocumentStatus.Indexing, "bad.pdf"), (document.Status, document.Name));
        Assert.Same(document, library.FindByTask("t1"));
        Assert.Null(library.FindByTask("t2"));
        Assert.Equal(1, changes);
    }

    [Fact]
    public async Task ReloadsAskedWhileOneRuns_AreFoldedIntoOneMore()
    {
        var answers = Channel.CreateUnbounded<TaskCompletionSource<HttpResponseMessage>>();
        api.RespondAsync = _ =>
        {
            var answer = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            answers.Writer.TryWrite(answer);
            return answer.Task;
        };

        var first = library.ReloadAsync();
        var second = library.ReloadAsync();
        var third = library.ReloadAsync();
        (await NextAsync(answers)).SetResult(FakeApi.Json("""{"documents":[]}"""));
        (await NextAsync(answers)).SetResult(FakeApi.Json(DocumentsPanelTests.BadPdf));
        await Task.WhenAll(first, second, third).WaitAsync(Wait);

        Assert.Equal(["GET /api/documents", "GET /api/documents"], api.Requests);
        Assert.Single(library.Documents);
        Assert.False(answers.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Resync_Indexed_AndAFailureOfAListedDocument_Reload_ButNotOtherFailures()
    {
        api.Respond = _ => FakeApi.Json(DocumentsPanelTests.BadPdf);
        var loads = Channel.CreateUnbounded<int>();
        library.Changed += () => loads.Writer.TryWrite(0);
        await library.ReloadAsync();
        await NextAsync(loads);

        client.Resync();
        await NextAsync(loads);
        client.Publish(new DocumentIndexed("d9", "other.md", "text/markdown", 10, 1, "t9"));
        await NextAsync(loads);
        client.Publish(new TaskFailed("t1", new TaskError("unreadable", "damaged"), false));
        await NextAsync(loads);
        Assert.Equal(4, api.Requests.Count);

        // A search's failure starts no load (it would have, at once, in Publish): the next reload asked is the fifth request, not a sixth.
        client.Publish(new TaskFailed("s1", new TaskError("bad_query", "a search's"), false));
        await library.ReloadAsync().WaitAsync(Wait);
        Assert.Equal(5, api.Requests.Count);
    }

    [Fact]
    public async Task AFailedLoad_SaysWhy()
    {
        api.Respond = _ => FakeApi.Json("""{"title":"Oops","detail":"The database is locked.","status":500}""", 500);

        await library.ReloadAsync();

        Assert.Equal("The library could not be loaded: The database is locked.", library.LoadError);
        Assert.Empty(library.Documents);
    }

    [Fact]
    public void Dispose_LeavesNothingOnTheClient()
    {
        Assert.Equal((2, 1), (client.SubscriptionCount, client.ResyncedHandlerCount));

        library.Dispose();

        Assert.Equal((0, 0), (client.SubscriptionCount, client.ResyncedHandlerCount));
    }

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static async Task<T> NextAsync<T>(Channel<T> channel) => await channel.Reader.ReadAsync().AsTask().WaitAsync(Wait);
}
