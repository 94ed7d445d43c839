namespace AgentPulse.Web.Tests;

public class DocumentToastsTests : WebTestContext
{
    [Fact]
    public void IndexingThatFailsBeforeTheLibraryListsTheDocument_IsToldWithTheDocumentsName()
    {
        // The events are faster than the upload's answer: the library does not list the document yet.
        Render<DocumentToasts>();
        Client.Publish(new TaskStarted("t1", TaskKinds.DocumentIndex, "Indexing bad.pdf", "indexer", "d1"));
        Api.Respond = _ => FakeApi.Json(DocumentsPanelTests.BadPdf);

        Client.Publish(new TaskFailed("t1", new TaskError("unreadable", "bad.pdf could not be read: the PDF is damaged."), false));

        var toast = Assert.Single(ToastService.Toasts);
        Assert.Equal((ToastLevel.Error, "Could not index bad.pdf: bad.pdf could not be read: the PDF is damaged."), (toast.Level, toast.Message));
        Assert.Equal(["GET /api/documents"], Api.Requests);
    }

    [Fact]
    public void IndexingOfADocumentTheServerNoLongerLists_IsToldWithTheTasksTitle()
    {
        Render<DocumentToasts>();
        Client.Publish(new TaskStarted("t1", TaskKinds.DocumentIndex, "Indexing gone.md", "indexer", "d1"));

        Client.Publish(new TaskFailed("t1", new TaskError("cancelled", "the document was deleted"), false));

        Assert.Equal("Indexing gone.md failed: the document was deleted", Assert.Single(ToastService.Toasts).Message);
    }

    [Fact]
    public void OtherTasksFailing_AndSearches_AreNotTheDocumentsToasts()
    {
        Render<DocumentToasts>();
        Client.Publish(new TaskStarted("s1", TaskKinds.Search, "Searching for “x”", "searcher", "q1"));

        Client.Publish(new TaskFailed("s1", new TaskError("bad_query", "no"), false));

        Assert.Empty(ToastService.Toasts);
        Assert.Empty(Api.Requests);
    }

    [Fact]
    public void Indexed_IsASuccessToast()
    {
        Render<DocumentToasts>();

        Client.Publish(new DocumentIndexed("d1", "notes.md", "text/markdown", 2048, 1, "t1"));

        var toast = Assert.Single(ToastService.Toasts);
        Assert.Equal((ToastLevel.Success, "notes.md is indexed (1 chunk) and can be searched."), (toast.Level, toast.Message));
    }
}
