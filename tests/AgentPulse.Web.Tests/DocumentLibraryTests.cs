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
        Assert.Equal((2, 1, 1), (client.SubscriptionCount, client.ResyncedHandlerCount, client.StateChangedHandlerCount));

        library.Dispose();

        Assert.Equal((0, 0, 0), (client.SubscriptionCount, client.ResyncedHandlerCount, client.StateChangedHandlerCount));
    }

    [Fact]
    public async Task APageLoad_FetchesOnce_OnTheFirstSnapshot_AndNotBefore()
    {
        var loads = Channel.CreateUnbounded<int>();
        library.Changed += () => loads.Writer.TryWrite(0);
        client.SetStatus(new ConnectionStatus(ConnectionState.Connecting));
        Assert.Empty(api.Requests);
        Assert.False(library.Loaded);

        client.SetStatus(new ConnectionStatus(ConnectionState.Connected));
        client.Resync();
        await NextAsync(loads);

        Assert.Equal(["GET /api/documents"], api.Requests);
        Assert.True(library.Loaded);
    }

    [Fact]
    public async Task AFirstConnectThatFails_StillLoads_SoThePageSaysWhatItCan()
    {
        var loads = Channel.CreateUnbounded<int>();
        library.Changed += () => loads.Writer.TryWrite(0);

        client.SetStatus(new ConnectionStatus(ConnectionState.Connecting, 1, TimeSpan.FromSeconds(1), DisconnectReason.ConnectFailed));
        await NextAsync(loads);
        client.SetStatus(new ConnectionStatus(ConnectionState.Connecting, 2, TimeSpan.FromSeconds(2), DisconnectReason.ConnectFailed));

        Assert.Equal(["GET /api/documents"], api.Requests);
    }

    [Fact]
    public async Task Delete_TakesTheDocumentOutAtOnce_AndPutsItBack_WhenTheServerRefuses()
    {
        api.Respond = _ => FakeApi.Json(DocumentsPanelTests.BadPdf);
        await library.ReloadAsync();
        var document = Assert.Single(library.Documents);
        var deleting = new TaskCompletionSource<HttpResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        api.RespondAsync = request => request.Method == HttpMethod.Delete ? deleting.Task : Task.FromResult(FakeApi.Json(DocumentsPanelTests.BadPdf));

        var delete = library.DeleteAsync(document);

        Assert.Empty(library.Documents);
        Assert.True(library.WasDeleted("d1"));
        deleting.SetResult(FakeApi.Json("""{"title":"Locked","detail":"The document is being written.","status":409}""", 409));
        var refused = await Assert.ThrowsAsync<ApiException>(() => delete.WaitAsync(Wait));
        Assert.Equal("The document is being written.", refused.Message);
        Assert.Single(library.Documents);
        Assert.False(library.WasDeleted("d1"));
    }

    [Fact]
    public async Task DocumentsOfTheSameName_AreToldApart_ByTheOrderOfTheirUpload()
    {
        api.Respond = _ => FakeApi.Json("""
            {"documents":[
              {"documentId":"d3","name":"same.md","contentType":"text/markdown","sizeBytes":3,"status":"indexed","chunkCount":1,"taskId":"t3","createdAt":"2026-11-25T17:02:00Z","indexedAt":null,"error":null},
              {"documentId":"d2","name":"other.md","contentType":"text/markdown","sizeBytes":2,"status":"indexed","chunkCount":1,"taskId":"t2","createdAt":"2026-11-25T17:01:00Z","indexedAt":null,"error":null},
              {"documentId":"d1","name":"same.md","contentType":"text/markdown","sizeBytes":1,"status":"indexed","chunkCount":1,"taskId":"t1","createdAt":"2026-11-25T17:00:00Z","indexedAt":null,"error":null}
            ]}
            """);

        await library.ReloadAsync();

        Assert.Equal(["same.md (2)", "other.md", "same.md"], library.Documents.Select(library.DisplayName));
        Assert.Equal("same.md (2)", library.DisplayName("d3", "same.md"));
        Assert.Equal("unknown.md", library.DisplayName("d9", "unknown.md"));
    }

    [Fact]
    public async Task AnUpload_IsListedWhileSent_RefusedOnesSaySo_AndATakenOneGivesWayToItsDocument()
    {
        api.Respond = _ => FakeApi.Json("""{"documents":[]}""");
        var refused = new List<UploadItem>();
        library.UploadRefused += refused.Add;

        library.OnUploadQueued("u1", "bad.pdf", 24);
        library.OnUploadQueued("u2", "movie.mkv", 9000);
        library.OnUploadProgress("u1", 12);
        Assert.Equal([("bad.pdf", 12L), ("movie.mkv", 0L)], library.Uploads.Select(u => (u.Name, u.Sent)));

        await library.OnUploadDone("u2", 415, """{"title":"File type not supported","detail":"movie.mkv is not text, Markdown, HTML or PDF.","status":415}""");
        Assert.Equal("movie.mkv is not text, Markdown, HTML or PDF.", Assert.Single(refused).Error);

        api.Respond = _ => FakeApi.Json(DocumentsPanelTests.BadPdf);
        await library.OnUploadDone("u1", 202, """{"documents":[{"documentId":"d1","taskId":"t1","name":"bad.pdf"}]}""");

        Assert.Equal(["movie.mkv"], library.Uploads.Select(u => u.Name));
        Assert.Equal("d1", Assert.Single(library.Documents).DocumentId);
        library.DismissUpload("u2");
        Assert.Empty(library.Uploads);
    }

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static async Task<T> NextAsync<T>(Channel<T> channel) => await channel.Reader.ReadAsync().AsTask().WaitAsync(Wait);
}
