namespace AgentPulse.Web.Tests;

public class DocumentUploaderTests : WebTestContext
{
    private const string Accepted = """{"documents":[{"documentId":"d1","taskId":"t1","name":"notes.md"}]}""";

    private IRenderedComponent<DocumentUploader> RenderWithLibrary(string libraryJson = """{"documents":[]}""")
    {
        Api.Respond = _ => FakeApi.Json(libraryJson);
        return Render<DocumentUploader>();
    }

    [Fact]
    public async Task Upload_ShowsBytesSent_ThenTheIndexingProgress_ThenASuccessToast()
    {
        var cut = RenderWithLibrary();

        await cut.InvokeAsync(() => cut.Instance.OnUploadQueued("u1", "notes.md", 2048));
        await cut.InvokeAsync(() => cut.Instance.OnUploadProgress("u1", 512));
        Time.Advance(TimeSpan.FromMilliseconds(100));

        cut.WaitForAssertion(() => Assert.Equal("25", cut.Find("[role=progressbar]").GetAttribute("aria-valuenow")));
        Assert.Equal("Uploading notes.md", cut.Find("[role=progressbar]").GetAttribute("aria-label"));
        Assert.Equal("512 B of 2 KB", cut.Find("[role=progressbar]").GetAttribute("aria-valuetext"));

        await cut.InvokeAsync(() => cut.Instance.OnUploadDone("u1", 202, Accepted));
        Connection.Publish(new TaskStarted("t1", "document.index", "Indexing notes.md", "indexer", "d1"));
        Connection.Publish(new TaskProgress("t1", 0.6, "indexing", "chunk 3 of 5", 3, 5));
        Time.Advance(TimeSpan.FromMilliseconds(100));

        cut.WaitForAssertion(() => Assert.Equal("60", cut.Find("[role=progressbar]").GetAttribute("aria-valuenow")));
        Assert.Equal("Indexing notes.md", cut.Find("[role=progressbar]").GetAttribute("aria-label"));
        Assert.Equal("Indexing · indexing · chunk 3 of 5", cut.Find(".upload-state").TextContent);

        Connection.Publish(new DocumentIndexed("d1", "notes.md", "text/markdown", 2048, 5, "t1"));

        cut.WaitForAssertion(() => Assert.Equal("Indexed · 5 chunks · searchable", cut.Find(".upload-state").TextContent));
        var toast = Assert.Single(ToastService.Toasts);
        Assert.Equal((ToastLevel.Success, "notes.md is indexed (5 chunks) and can be searched."), (toast.Level, toast.Message));
    }

    [Fact]
    public async Task FailedIndexing_ShowsTheReason_AndAnErrorToast()
    {
        var cut = RenderWithLibrary();
        await cut.InvokeAsync(() => cut.Instance.OnUploadQueued("u1", "bad.pdf", 24));
        // The task's events may come before the server's answer to the upload.
        Connection.Publish(new TaskStarted("t1", "document.index", "Indexing bad.pdf", "indexer", "d1"));
        await cut.InvokeAsync(() => cut.Instance.OnUploadDone("u1", 202, """{"documents":[{"documentId":"d1","taskId":"t1","name":"bad.pdf"}]}"""));

        Connection.Publish(new TaskFailed("t1", new TaskError("unreadable", "bad.pdf could not be read: the PDF is damaged."), false));

        cut.WaitForAssertion(() => Assert.Equal("Failed: bad.pdf could not be read: the PDF is damaged.", cut.Find(".upload-state").TextContent));
        var toast = Assert.Single(ToastService.Toasts);
        Assert.Equal((ToastLevel.Error, "Could not index bad.pdf: bad.pdf could not be read: the PDF is damaged."), (toast.Level, toast.Message));
    }

    [Fact]
    public async Task RefusedUpload_ShowsTheServersReason()
    {
        var cut = RenderWithLibrary();
        await cut.InvokeAsync(() => cut.Instance.OnUploadQueued("u1", "movie.mkv", 9000));

        await cut.InvokeAsync(() => cut.Instance.OnUploadDone("u1", 415, """{"title":"File type not supported","detail":"movie.mkv is not text, Markdown, HTML or PDF.","status":415}"""));

        cut.WaitForAssertion(() => Assert.Equal("Not uploaded: movie.mkv is not text, Markdown, HTML or PDF.", cut.Find(".upload-state").TextContent));
        Assert.Equal("Could not upload movie.mkv: movie.mkv is not text, Markdown, HTML or PDF.", Assert.Single(ToastService.Toasts).Message);
    }

    [Fact]
    public void Library_ListsDocumentsWithTheirStatus_AndDeleteCallsTheServer()
    {
        var cut = RenderWithLibrary("""
            {"documents":[
              {"documentId":"d1","name":"notes.md","contentType":"text/markdown","sizeBytes":2048,"status":"indexed","chunkCount":5,"taskId":"t1","createdAt":"2026-11-25T17:00:00Z","indexedAt":"2026-11-25T17:00:01Z","error":null},
              {"documentId":"d2","name":"bad.pdf","contentType":"application/pdf","sizeBytes":24,"status":"failed","chunkCount":0,"taskId":"t2","createdAt":"2026-11-25T17:00:00Z","indexedAt":null,"error":{"code":"unreadable","message":"the PDF is damaged"}}
            ]}
            """);

        cut.WaitForAssertion(() => Assert.Equal(["Indexed", "Failed"], cut.FindAll(".library .badge").Select(e => e.TextContent)));
        Assert.Equal("the PDF is damaged", cut.Find(".doc-error").TextContent);

        cut.Find("button[aria-label='Delete bad.pdf']").Click();

        cut.WaitForAssertion(() => Assert.Contains("DELETE /api/documents/d2", Api.Requests));
        Assert.Equal("Deleted bad.pdf.", Assert.Single(ToastService.Toasts).Message);
    }

    [Fact]
    public void Resync_ReloadsTheLibrary()
    {
        var cut = RenderWithLibrary();
        cut.WaitForAssertion(() => Assert.Equal(["GET /api/documents"], Api.Requests));

        Connection.Resync();

        cut.WaitForAssertion(() => Assert.Equal(["GET /api/documents", "GET /api/documents"], Api.Requests));
    }

    [Fact]
    public void FileInput_IsLabelledChooseFiles_AndHookedToThePageScript()
    {
        var cut = RenderWithLibrary();

        Assert.Equal("document-files", cut.Find("label.btn").GetAttribute("for"));
        Assert.Equal("file", cut.Find("#document-files").GetAttribute("type"));
        var attach = Assert.Single(JSInterop.Invocations, i => i.Identifier == "agentPulse.uploads.attach");
        Assert.Equal("http://localhost/api/documents", attach.Arguments[2]);
    }
}
