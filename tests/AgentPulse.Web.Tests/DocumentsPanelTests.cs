namespace AgentPulse.Web.Tests;

/// <summary>The Documents card: its uploader, library and toasts, each a component of its own, together.</summary>
public class DocumentsPanelTests : WebTestContext
{
    private const string Accepted = """{"documents":[{"documentId":"d1","taskId":"t1","name":"notes.md"}]}""";

    private const string TwoDocuments = """
        {"documents":[
          {"documentId":"d1","name":"notes.md","contentType":"text/markdown","sizeBytes":2048,"status":"indexed","chunkCount":5,"taskId":"t1","createdAt":"2026-11-25T17:00:00Z","indexedAt":"2026-11-25T17:00:01Z","error":null},
          {"documentId":"d2","name":"bad.pdf","contentType":"application/pdf","sizeBytes":24,"status":"failed","chunkCount":0,"taskId":"t2","createdAt":"2026-11-25T17:00:00Z","indexedAt":null,"error":{"code":"unreadable","message":"the PDF is damaged"}}
        ]}
        """;

    private const string BadPdfIndexing = """
        {"documents":[{"documentId":"d1","name":"bad.pdf","contentType":"application/pdf","sizeBytes":24,"status":"indexing","chunkCount":0,"taskId":"t1","createdAt":"2026-11-25T17:00:00Z","indexedAt":null,"error":null}]}
        """;

    private IRenderedComponent<DocumentsPanel> RenderWithLibrary(string libraryJson = """{"documents":[]}""")
    {
        Api.Respond = _ => FakeApi.Json(libraryJson);
        return Render<DocumentsPanel>();
    }

    internal static string BadPdf => BadPdfIndexing;

    private static DocumentUploader Uploader(IRenderedComponent<DocumentsPanel> cut) => cut.FindComponent<DocumentUploader>().Instance;

    [Fact]
    public async Task Upload_ShowsBytesSent_ThenTheIndexingProgress_ThenASuccessToast()
    {
        var cut = RenderWithLibrary();

        await cut.InvokeAsync(() => Uploader(cut).OnUploadQueued("u1", "notes.md", 2048));
        await cut.InvokeAsync(() => Uploader(cut).OnUploadProgress("u1", 512));
        Time.Advance(TimeSpan.FromMilliseconds(100));

        cut.WaitForAssertion(() => Assert.Equal("25", cut.Find("[role=progressbar]").GetAttribute("aria-valuenow")));
        Assert.Equal("Uploading notes.md", cut.Find("[role=progressbar]").GetAttribute("aria-label"));
        Assert.Equal("512 B of 2 KB", cut.Find("[role=progressbar]").GetAttribute("aria-valuetext"));

        await cut.InvokeAsync(() => Uploader(cut).OnUploadDone("u1", 202, Accepted));
        Client.Publish(new TaskStarted("t1", TaskKinds.DocumentIndex, "Indexing notes.md", "indexer", "d1"));
        Client.Publish(new TaskProgress("t1", 0.6, "indexing", "chunk 3 of 5", 3, 5));
        Time.Advance(TimeSpan.FromMilliseconds(100));

        cut.WaitForAssertion(() => Assert.Equal("60", cut.Find("[role=progressbar]").GetAttribute("aria-valuenow")));
        Assert.Equal("Indexing notes.md", cut.Find("[role=progressbar]").GetAttribute("aria-label"));
        Assert.Equal("Indexing · indexing · chunk 3 of 5", cut.Find(".upload-state").TextContent);

        Client.Publish(new DocumentIndexed("d1", "notes.md", "text/markdown", 2048, 5, "t1"));

        cut.WaitForAssertion(() => Assert.Equal("Indexed · 5 chunks · searchable", cut.Find(".upload-state").TextContent));
        var toast = Assert.Single(ToastService.Toasts);
        Assert.Equal((ToastLevel.Success, "notes.md is indexed (5 chunks) and can be searched."), (toast.Level, toast.Message));
    }

    [Fact]
    public async Task FailedIndexing_ShowsTheReason_AndAnErrorToast()
    {
        var cut = RenderWithLibrary();
        await cut.InvokeAsync(() => Uploader(cut).OnUploadQueued("u1", "bad.pdf", 24));
        // The task's events may come before the server's answer to the upload.
        Client.Publish(new TaskStarted("t1", TaskKinds.DocumentIndex, "Indexing bad.pdf", "indexer", "d1"));
        Api.Respond = _ => FakeApi.Json(BadPdfIndexing);
        await cut.InvokeAsync(() => Uploader(cut).OnUploadDone("u1", 202, """{"documents":[{"documentId":"d1","taskId":"t1","name":"bad.pdf"}]}"""));

        Client.Publish(new TaskFailed("t1", new TaskError("unreadable", "bad.pdf could not be read: the PDF is damaged."), false));

        cut.WaitForAssertion(() => Assert.Equal("Failed: bad.pdf could not be read: the PDF is damaged.", cut.Find(".upload-state").TextContent));
        var toast = Assert.Single(ToastService.Toasts);
        Assert.Equal((ToastLevel.Error, "Could not index bad.pdf: bad.pdf could not be read: the PDF is damaged."), (toast.Level, toast.Message));
    }

    [Fact]
    public async Task RefusedUpload_ShowsTheServersReason()
    {
        var cut = RenderWithLibrary();
        await cut.InvokeAsync(() => Uploader(cut).OnUploadQueued("u1", "movie.mkv", 9000));

        await cut.InvokeAsync(() => Uploader(cut).OnUploadDone("u1", 415, """{"title":"File type not supported","detail":"movie.mkv is not text, Markdown, HTML or PDF.","status":415}"""));

        cut.WaitForAssertion(() => Assert.Equal("Not uploaded: movie.mkv is not text, Markdown, HTML or PDF.", cut.Find(".upload-state").TextContent));
        Assert.Equal("Could not upload movie.mkv: movie.mkv is not text, Markdown, HTML or PDF.", Assert.Single(ToastService.Toasts).Message);
    }

    [Fact]
    public void Library_ListsDocumentsWithTheirStatus_AndDeleteCallsTheServer()
    {
        var cut = RenderWithLibrary(TwoDocuments);

        cut.WaitForAssertion(() => Assert.Equal(["Indexed", "Failed"], cut.FindAll(".library .badge").Select(e => e.TextContent)));
        Assert.Equal(["badge badge-indexed", "badge badge-failed"], cut.FindAll(".library .badge").Select(e => e.ClassName));
        Assert.Equal("2 KB · 5 chunks", cut.Find(".doc-meta").TextContent.Trim());
        Assert.Equal("2 in the library", cut.Find(".pill").TextContent);
        Assert.Equal("the PDF is damaged", cut.Find(".doc-error").TextContent);

        cut.Find("button[aria-label='Delete bad.pdf']").Click();

        cut.WaitForAssertion(() => Assert.Contains("DELETE /api/documents/d2", Api.Requests));
        Assert.Equal("Deleted bad.pdf.", Assert.Single(ToastService.Toasts).Message);
    }

    [Fact]
    public void Library_WhileADocumentIsIndexed_ShowsItsTasksProgress()
    {
        var cut = RenderWithLibrary("""
            {"documents":[{"documentId":"d1","name":"notes.md","contentType":"text/markdown","sizeBytes":2048,"status":"indexing","chunkCount":0,"taskId":"t1","createdAt":"2026-11-25T17:00:00Z","indexedAt":null,"error":null}]}
            """);
        cut.WaitForAssertion(() => Assert.Equal("Indexing", cut.Find(".library .badge").TextContent));

        Client.Publish(new TaskStarted("t1", TaskKinds.DocumentIndex, "Indexing notes.md", "indexer", "d1"));
        Client.Publish(new TaskProgress("t1", 0.42, "indexing", "chunk 2 of 5", 2, 5));
        Time.Advance(TimeSpan.FromMilliseconds(100));

        cut.WaitForAssertion(() => Assert.Equal("Indexing 42%", cut.Find(".library .badge").TextContent));
        Assert.Equal("badge badge-indexing", cut.Find(".library .badge").ClassName);
    }

    [Fact]
    public async Task ANewList_ShowsInTheLibraryAndTheCardsCount_InTheSameRender()
    {
        var cut = RenderWithLibrary();
        cut.WaitForAssertion(() => Assert.Equal("0 in the library", cut.Find(".pill").TextContent));
        // Progress keeps the library's coalescer busy, as while files are indexed.
        Client.Publish(new TaskStarted("t9", TaskKinds.Search, "Searching", "searcher", null));
        Client.Publish(new TaskProgress("t9", 0.5, "searching", null, null, null));
        Api.Respond = _ => FakeApi.Json(TwoDocuments);

        await cut.InvokeAsync(Library.ReloadAsync);

        // The clock does not move: no coalesced render is due.
        Assert.Equal("2 in the library", cut.Find(".pill").TextContent);
        Assert.Equal(2, cut.FindAll(".library .doc").Count);
    }

    [Fact]
    public void Resync_ReloadsTheLibrary()
    {
        var cut = RenderWithLibrary();
        cut.WaitForAssertion(() => Assert.Equal(["GET /api/documents"], Api.Requests));

        Client.Resync();

        cut.WaitForAssertion(() => Assert.Equal(["GET /api/documents", "GET /api/documents"], Api.Requests));
    }

    [Fact]
    public void FileInput_IsLabelledChooseFiles_AndHookedToThePageScript()
    {
        var cut = Render<DocumentUploader>();

        Assert.Equal("document-files", cut.Find("label.btn").GetAttribute("for"));
        Assert.Equal("file", cut.Find("#document-files").GetAttribute("type"));
        var attach = Assert.Single(JSInterop.Invocations, i => i.Identifier == "agentPulse.uploads.attach");
        Assert.Equal("http://localhost/api/documents", attach.Arguments[2]);
    }
}
