namespace AgentPulse.Web.Tests;

/// <summary>The Documents card: the uploader and one list of every document, from the library and this page's uploads.</summary>
public class DocumentsPanelTests : WebTestContext
{
    private const string Accepted = """{"documents":[{"documentId":"d1","taskId":"t1","name":"notes.md"}]}""";

    private const string TwoDocuments = """
        {"documents":[
          {"documentId":"d1","name":"notes.md","contentType":"text/markdown","sizeBytes":2048,"status":"indexed","chunkCount":5,"taskId":"t1","createdAt":"2026-11-25T16:57:00Z","indexedAt":"2026-11-25T17:00:01Z","error":null},
          {"documentId":"d2","name":"bad.pdf","contentType":"application/pdf","sizeBytes":24,"status":"failed","chunkCount":0,"taskId":"t2","createdAt":"2026-11-25T17:00:00Z","indexedAt":null,"error":{"code":"unreadable","message":"the PDF is damaged"}}
        ]}
        """;

    private const string NotesIndexing = """
        {"documents":[{"documentId":"d1","name":"notes.md","contentType":"text/markdown","sizeBytes":2048,"status":"indexing","chunkCount":0,"taskId":"t1","createdAt":"2026-11-25T17:00:00Z","indexedAt":null,"error":null}]}
        """;

    private const string NotesIndexed = """
        {"documents":[{"documentId":"d1","name":"notes.md","contentType":"text/markdown","sizeBytes":2048,"status":"indexed","chunkCount":5,"taskId":"t1","createdAt":"2026-11-25T17:00:00Z","indexedAt":"2026-11-25T17:00:01Z","error":null}]}
        """;

    private const string BadPdfIndexing = """
        {"documents":[{"documentId":"d1","name":"bad.pdf","contentType":"application/pdf","sizeBytes":24,"status":"indexing","chunkCount":0,"taskId":"t1","createdAt":"2026-11-25T17:00:00Z","indexedAt":null,"error":null}]}
        """;

    internal static string BadPdf => BadPdfIndexing;

    /// <summary>Renders the card, then connects: the first snapshot loads the library, once.</summary>
    private IRenderedComponent<DocumentsPanel> RenderConnected(string libraryJson = """{"documents":[]}""")
    {
        Api.Respond = _ => FakeApi.Json(libraryJson);
        var cut = Render<DocumentsPanel>();
        Client.Resync();
        cut.WaitForAssertion(() => Assert.True(Library.Loaded));
        return cut;
    }

    [Fact]
    public void BeforeTheFirstSnapshot_TheListSaysItIsLoading_AndFetchesNothing()
    {
        var cut = Render<DocumentsPanel>();

        Assert.Equal("Loading the documents…", cut.Find(".empty").TextContent);
        Assert.Empty(Api.Requests);
    }

    [Fact]
    public async Task AnUpload_ShowsItsBytes_ThenItsDocumentWithTheIndexingProgress_ThenIndexed_InOneList_WithoutAToastWhileInView()
    {
        var cut = RenderConnected();
        Notifications.DocumentsInView = true;

        await cut.InvokeAsync(() => Library.OnUploadQueued("u1", "notes.md", 2048));
        await cut.InvokeAsync(() => Library.OnUploadProgress("u1", 512));
        Time.Advance(TimeSpan.FromMilliseconds(100));
        cut.WaitForAssertion(() => Assert.Equal("25", cut.Find("[role=progressbar]").GetAttribute("aria-valuenow")));
        Assert.Equal("Uploading notes.md", cut.Find("[role=progressbar]").GetAttribute("aria-label"));
        Assert.Equal("512 B of 2 KB", cut.Find("[role=progressbar]").GetAttribute("aria-valuetext"));

        Api.Respond = _ => FakeApi.Json(NotesIndexing);
        await cut.InvokeAsync(() => Library.OnUploadDone("u1", 202, Accepted));
        Client.Publish(new TaskStarted("t1", TaskKinds.DocumentIndex, "Indexing notes.md", "indexer", "d1"));
        Client.Publish(new TaskProgress("t1", 0.6, "indexing", "chunk 3 of 5", 3, 5));
        Time.Advance(TimeSpan.FromMilliseconds(100));
        cut.WaitForAssertion(() => Assert.Equal("60", cut.Find("[role=progressbar]").GetAttribute("aria-valuenow")));
        Assert.Equal("Indexing notes.md", cut.Find("[role=progressbar]").GetAttribute("aria-label"));
        Assert.Equal("Indexing 60%", cut.Find(".badge").TextContent);
        // One row: the upload gave way to its document.
        Assert.Single(cut.FindAll(".docs > li"));

        Api.Respond = _ => FakeApi.Json(NotesIndexed);
        Client.Publish(new DocumentIndexed("d1", "notes.md", "text/markdown", 2048, 5, "t1"));

        cut.WaitForAssertion(() => Assert.Equal("Indexed", cut.Find(".badge").TextContent));
        Assert.Equal("2 KB · 5 chunks · uploaded just now", Normalize(cut.Find(".doc-meta").TextContent));
        Assert.Empty(ToastService.Toasts);
    }

    [Fact]
    public async Task ARefusedUpload_StaysInTheListWithTheServersReason_UntilDismissed()
    {
        var cut = RenderConnected();
        Notifications.DocumentsInView = true;
        await cut.InvokeAsync(() => Library.OnUploadQueued("u1", "movie.mkv", 9000));

        await cut.InvokeAsync(() => Library.OnUploadDone("u1", 415, """{"title":"File type not supported","detail":"movie.mkv is not text, Markdown, HTML or PDF.","status":415}"""));

        cut.WaitForAssertion(() => Assert.Equal("Not uploaded: movie.mkv is not text, Markdown, HTML or PDF.", cut.Find(".doc-error").TextContent));
        Assert.Empty(ToastService.Toasts);
        cut.Find("button[aria-label='Dismiss movie.mkv']").Click();
        cut.WaitForAssertion(() => Assert.Equal("No documents yet. Upload one to get started.", cut.Find(".empty").TextContent));
    }

    [Fact]
    public void TheList_ShowsEachDocumentsStatus_WhenItWasUploaded_AndReindexesAFailedOne()
    {
        var cut = RenderConnected(TwoDocuments);

        Assert.Equal(["Indexed", "Failed"], cut.FindAll(".docs .badge").Select(e => e.TextContent));
        Assert.Equal(["badge badge-indexed", "badge badge-failed"], cut.FindAll(".docs .badge").Select(e => e.ClassName));
        Assert.Equal("2 KB · 5 chunks · uploaded 3 min ago", Normalize(cut.Find(".doc-meta").TextContent));
        Assert.Equal("2 documents", cut.Find(".pill").TextContent);
        Assert.Equal("the PDF is damaged", cut.Find(".doc-error").TextContent);
        Assert.Equal("bad.pdf", cut.FindAll(".doc-name")[1].GetAttribute("title"));
        Assert.Empty(cut.FindAll("button[aria-label='Re-index notes.md']"));

        Api.Respond = request => request.Method == HttpMethod.Post ? FakeApi.Json("""{"documents":[{"documentId":"d2","taskId":"t9","name":"bad.pdf"}]}""", 202) : FakeApi.Json(TwoDocuments);
        cut.Find("button[aria-label='Re-index bad.pdf']").Click();

        cut.WaitForAssertion(() => Assert.Contains("POST /api/documents/d2/reindex", Api.Requests));
    }

    [Fact]
    public void Delete_AsksFirst_AndOnlyAConfirmedDeleteCallsTheServer()
    {
        var cut = RenderConnected(TwoDocuments);

        cut.Find("button[aria-label='Delete bad.pdf']").Click();

        Assert.Equal("Delete bad.pdf?", cut.Find("dialog #confirm-title").TextContent);
        Assert.Contains(JSInterop.Invocations, i => i.Identifier == "agentPulse.dialog.open");
        Assert.DoesNotContain("DELETE /api/documents/d2", Api.Requests);

        cut.FindAll("dialog button").Single(b => b.TextContent == "Delete").Click();

        cut.WaitForAssertion(() => Assert.Contains("DELETE /api/documents/d2", Api.Requests));
        Assert.Equal(["notes.md"], cut.FindAll(".doc-name").Select(e => e.TextContent));
        Assert.Empty(ToastService.Toasts);
    }

    [Fact]
    public void ARefusedDelete_BringsTheDocumentBack_AndSaysWhyInAnErrorToast()
    {
        var cut = RenderConnected(TwoDocuments);
        Api.Respond = request => request.Method == HttpMethod.Delete
            ? FakeApi.Json("""{"title":"Busy","detail":"The index is being rebuilt; try again in a minute.","status":503}""", 503)
            : FakeApi.Json(TwoDocuments);

        cut.Find("button[aria-label='Delete bad.pdf']").Click();
        cut.FindAll("dialog button").Single(b => b.TextContent == "Delete").Click();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll(".doc-name").Count));
        var toast = Assert.Single(ToastService.Toasts);
        Assert.Equal((ToastLevel.Error, "Could not delete bad.pdf", "The index is being rebuilt; try again in a minute."), (toast.Level, toast.Title, toast.Message));
    }

    [Fact]
    public async Task ANewList_ShowsInTheListAndTheCardsCount_InTheSameRender()
    {
        var cut = RenderConnected();
        Assert.Equal("0 documents", cut.Find(".pill").TextContent);
        // Progress keeps the list's coalescer busy, as while files are indexed.
        Client.Publish(new TaskStarted("t9", TaskKinds.Search, "Searching", "searcher", null));
        Client.Publish(new TaskProgress("t9", 0.5, "searching", null, null, null));
        Api.Respond = _ => FakeApi.Json(TwoDocuments);

        await cut.InvokeAsync(Library.ReloadAsync);
        Time.Advance(TimeSpan.FromMilliseconds(100));

        cut.WaitForAssertion(() => Assert.Equal("2 documents", cut.Find(".pill").TextContent));
        Assert.Equal(2, cut.FindAll(".docs .doc").Count);
    }

    [Fact]
    public void FileInput_IsLabelledChooseFiles_AndHookedToThePageScript_ReportingToTheLibrary()
    {
        var cut = Render<DocumentUploader>();

        Assert.Equal("document-files", cut.Find("label.btn").GetAttribute("for"));
        Assert.Equal("file", cut.Find("#document-files").GetAttribute("type"));
        var attach = Assert.Single(JSInterop.Invocations, i => i.Identifier == "agentPulse.uploads.attach");
        Assert.Equal("http://localhost/api/documents", attach.Arguments[2]);
        Assert.Same(Library.UploadTarget, attach.Arguments[3]);
    }

    [Fact]
    public void TheNotifyButton_ShowsOnlyWhileTheBrowserHasNotBeenAsked()
    {
        JSInterop.Setup<string>("agentPulse.page.notificationPermission").SetResult("default");
        JSInterop.Setup<string>("agentPulse.page.requestNotifications").SetResult("granted");
        var cut = Render<DocumentUploader>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("button.btn-link")));

        cut.Find("button.btn-link").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("button.btn-link")));
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
