namespace AgentPulse.Web.Tests;

/// <summary>The page's one notification policy (docs/web.md, "Notifications"), as a table of situations.</summary>
public class NotificationsTests : WebTestContext
{
    private const string TwoIndexing = """
        {"documents":[
          {"documentId":"d2","name":"during.md","contentType":"text/markdown","sizeBytes":24,"status":"indexing","chunkCount":0,"taskId":"t2","createdAt":"2026-11-25T17:00:00Z","indexedAt":null,"error":null},
          {"documentId":"d1","name":"bad.pdf","contentType":"application/pdf","sizeBytes":24,"status":"indexing","chunkCount":0,"taskId":"t1","createdAt":"2026-11-25T17:00:00Z","indexedAt":null,"error":null}
        ]}
        """;

    private static DocumentIndexed Indexed(string name, int i) => new($"d{i}", name, "text/markdown", 10, 1, $"t{i}");

    [Fact]
    public void WhileTheDocumentsListIsInView_OutcomesAreNotToasted()
    {
        var cut = Render<Toasts>();
        Notifications.DocumentsInView = true;

        Client.Publish(Indexed("a.md", 1));
        Client.Publish(new TaskStarted("t2", TaskKinds.DocumentIndex, "Indexing b.pdf", "indexer", "d2"));
        Client.Publish(new TaskFailed("t2", new TaskError("unreadable", "b.pdf could not be read: the PDF is damaged."), false));

        // The failure's name is looked up in the library first: a load, and then nothing to say.
        cut.WaitForAssertion(() => Assert.True(Library.Loaded));
        Assert.Empty(ToastService.Toasts);
    }

    [Fact]
    public void OutOfView_ABurstIsOneToast_ThatCountsAndNamesThem()
    {
        Client.Publish(Indexed("a.md", 1));
        var toast = Assert.Single(ToastService.Toasts);
        Assert.Equal((ToastLevel.Success, "Indexed", "a.md is searchable."), (toast.Level, toast.Title, toast.Message));

        Time.Advance(TimeSpan.FromSeconds(1));
        Client.Publish(Indexed("b.md", 2));
        Client.Publish(Indexed("c.md", 3));

        toast = Assert.Single(ToastService.Toasts);
        Assert.Equal(("3 documents indexed", "a.md, b.md and c.md are searchable."), (toast.Title, toast.Message));

        // Later than the window: a new toast.
        Time.Advance(TimeSpan.FromSeconds(4.5));
        Client.Publish(Indexed("d.md", 4));
        Assert.Equal(["3 documents indexed", "Indexed"], ToastService.Toasts.Select(t => t.Title));
    }

    [Fact]
    public void AFailure_NamesItsFileOnce_FromTheLibrary_EvenWhenItsEventsBeatTheUploadsAnswer()
    {
        var cut = Render<Toasts>();
        Api.Respond = _ => FakeApi.Json(TwoIndexing);
        Client.Publish(new TaskStarted("t1", TaskKinds.DocumentIndex, "Indexing bad.pdf", "indexer", "d1"));
        Client.Publish(new TaskFailed("t1", new TaskError("unreadable", "bad.pdf could not be read: the PDF is damaged."), false));
        cut.WaitForAssertion(() => Assert.Single(ToastService.Toasts));
        Client.Publish(new TaskStarted("t2", TaskKinds.DocumentIndex, "Indexing during.md", "indexer", "d2"));
        Time.Advance(TimeSpan.FromSeconds(5));
        Client.Publish(new TaskFailed("t2", new TaskError(TaskErrorCodes.Interrupted, "interrupted by a server restart"), true));

        cut.WaitForAssertion(() => Assert.Equal(
            [(ToastLevel.Error, "Not indexed", "bad.pdf could not be read: the PDF is damaged."), (ToastLevel.Error, "Not indexed", "during.md: interrupted by a server restart")],
            ToastService.Toasts.Select(t => (t.Level, t.Title!, t.Message))));
    }

    [Fact]
    public void ACancel_IsNeutralInformation()
    {
        var cut = Render<Toasts>();
        Api.Respond = _ => FakeApi.Json(TwoIndexing.Replace("during.md", "held.md", StringComparison.Ordinal).Replace("\"t2\"", "\"t9\"", StringComparison.Ordinal).Replace("\"t1\"", "\"t2\"", StringComparison.Ordinal).Replace("\"t9\"", "\"t1\"", StringComparison.Ordinal));
        Client.Publish(new TaskStarted("t1", TaskKinds.DocumentIndex, "Indexing held.md", "indexer", "d1"));
        Client.Publish(new TaskFailed("t1", new TaskError(TaskErrorCodes.Cancelled, "The task was cancelled."), false));

        cut.WaitForAssertion(() => Assert.Single(ToastService.Toasts));
        var toast = Assert.Single(ToastService.Toasts);
        Assert.Equal((ToastLevel.Info, "Indexing cancelled", "held.md was not indexed."), (toast.Level, toast.Title, toast.Message));
    }

    [Fact]
    public void SearchesAndTasksOfOtherKinds_AreNeverToasted()
    {
        Client.Publish(new TaskStarted("s1", TaskKinds.Search, "Searching “x”", "searcher", null));
        Client.Publish(new TaskFailed("s1", new TaskError("bad_query", "The query is not valid."), false));
        Client.Publish(new SearchCompleted("q1", "x", 0, 3, [], "s2"));

        Assert.Empty(ToastService.Toasts);
    }

    [Fact]
    public void WhileTheTabIsHidden_OutcomesGoToTheBrowsersNotifications_GroupedTheSameWay()
    {
        var shown = new List<(string Title, string Body, string Tag)>();
        Notifications.SystemNotifier = (title, body, tag) =>
        {
            shown.Add((title, body, tag));
            return Task.CompletedTask;
        };
        Notifications.DocumentsInView = true;
        Notifications.PageHidden = true;

        Client.Publish(Indexed("a.md", 1));
        Client.Publish(Indexed("b.md", 2));

        Assert.Equal(
            [("Indexed", "a.md is searchable.", "agentpulse-indexed"), ("2 documents indexed", "a.md and b.md are searchable.", "agentpulse-indexed")],
            shown);
        Assert.Empty(ToastService.Toasts);
    }

    [Fact]
    public void ARefusedRequest_IsAlwaysAnErrorToast()
    {
        Notifications.DocumentsInView = true;

        Notifications.RequestFailed("Could not cancel Indexing a.md", "This task has already finished, so it cannot be cancelled.");

        var toast = Assert.Single(ToastService.Toasts);
        Assert.Equal((ToastLevel.Error, "Could not cancel Indexing a.md"), (toast.Level, toast.Title));
    }
}
