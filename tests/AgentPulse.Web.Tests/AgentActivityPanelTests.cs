namespace AgentPulse.Web.Tests;

public class AgentActivityPanelTests : WebTestContext
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 17, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RunningTask_ShowsAProgressBarWithItsValue_StageMessageAndElapsed()
    {
        Client.Publish(new TaskStarted("a", "document.index", "Indexing notes.md", "indexer", "doc-a"), T0.AddSeconds(-12));
        Client.Publish(new TaskProgress("a", 0.42, "indexing", "chunk 21 of 50", 21, 50));

        var cut = Render<AgentActivityPanel>();

        var bar = cut.Find("[role=progressbar]");
        Assert.Equal("42", bar.GetAttribute("aria-valuenow"));
        Assert.Equal("0", bar.GetAttribute("aria-valuemin"));
        Assert.Equal("100", bar.GetAttribute("aria-valuemax"));
        Assert.Equal("Indexing notes.md", bar.GetAttribute("aria-label"));
        Assert.Equal("indexing", cut.Find(".stage").TextContent);
        Assert.Equal("chunk 21 of 50", cut.Find(".message").TextContent);
        Assert.Equal("12 s", cut.Find(".elapsed").TextContent);
    }

    [Fact]
    public void ProgressEvents_MoveTheBar_AtMostOneRenderPerHundredMilliseconds()
    {
        Client.Publish(new TaskStarted("a", "document.index", "Indexing big.md", "indexer", null), T0);
        var cut = Render<AgentActivityPanel>();
        var rendersBefore = cut.RenderCount;

        for (var i = 1; i <= 1000; i++)
        {
            Client.Publish(new TaskProgress("a", i / 1000.0, "indexing", $"chunk {i} of 1000", i, 1000));
        }
        // The first event renders at once; the other 999 wait for the end of the interval.
        cut.WaitForAssertion(() => Assert.Equal(rendersBefore + 1, cut.RenderCount));
        Assert.Equal("0", cut.Find("[role=progressbar]").GetAttribute("aria-valuenow"));

        Time.Advance(TimeSpan.FromMilliseconds(100));

        cut.WaitForAssertion(() => Assert.Equal("100", cut.Find("[role=progressbar]").GetAttribute("aria-valuenow")));
        Assert.Equal(rendersBefore + 2, cut.RenderCount);
    }

    [Fact]
    public void QueuedAndFinishedTasks_AreListed_WithTheReasonOfAFailure()
    {
        Client.Resync(
            new TaskRecord { TaskId = "q", Kind = "document.index", Title = "Indexing later.md", Agent = "indexer", Status = AgentTaskStatus.Queued, StartedAt = T0 },
            new TaskRecord { TaskId = "c", Kind = "search", Title = "Searching for “pulse”", Agent = "searcher", Status = AgentTaskStatus.Completed, Progress = 1, StartedAt = T0.AddSeconds(-3), FinishedAt = T0.AddSeconds(-1.5) },
            new TaskRecord { TaskId = "f", Kind = "document.index", Title = "Indexing bad.pdf", Agent = "indexer", Status = AgentTaskStatus.Failed, StartedAt = T0.AddSeconds(-2), FinishedAt = T0.AddSeconds(-1), Error = new TaskError("unreadable", "bad.pdf could not be read: the PDF is damaged.") });

        var cut = Render<AgentActivityPanel>();

        Assert.Equal("Indexing later.md", cut.Find("[aria-label='Queued tasks'] .task-title").TextContent);
        Assert.Equal(
            ["Failed: bad.pdf could not be read: the PDF is damaged. · just now", "Completed in 1.5 s · just now"],
            cut.FindAll("[aria-label='Recently finished tasks'] .task-outcome").Select(e => Normalize(e.TextContent)));
        Assert.Equal("No agent is working right now.", cut.Find(".empty").TextContent);
        Assert.Empty(cut.FindAll("[role=progressbar]"));
    }

    [Fact]
    public void Resync_ReloadsThePanel()
    {
        Client.Publish(new TaskStarted("gone", "document.index", "Indexing gone.md", "indexer", null), T0);
        var cut = Render<AgentActivityPanel>();
        Assert.Single(cut.FindAll("[role=progressbar]"));

        Client.Resync(new TaskRecord { TaskId = "gone", Kind = "document.index", Title = "Indexing gone.md", Agent = "indexer", Status = AgentTaskStatus.Failed, StartedAt = T0, FinishedAt = T0, Error = new TaskError("interrupted", "The server stopped while this task ran.") });
        Time.Advance(TimeSpan.FromMilliseconds(100));

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[role=progressbar]")));
        Assert.Equal("Failed: The server stopped while this task ran. · just now", Normalize(cut.Find(".task-outcome").TextContent));
    }

    [Fact]
    public void WhileReconnecting_TheListIsMarkedStale_AndElapsedTimesStop()
    {
        Client.Publish(new TaskStarted("a", TaskKinds.DocumentIndex, "Indexing notes.md", "indexer", null), T0);
        var cut = Render<AgentActivityPanel>();
        Time.Advance(TimeSpan.FromSeconds(3));
        cut.WaitForAssertion(() => Assert.Equal("3.0 s", cut.Find(".elapsed").TextContent));
        Assert.Empty(cut.FindAll(".stale-note"));

        Client.SetStatus(new ConnectionStatus(ConnectionState.Reconnecting, 1, TimeSpan.FromSeconds(1), DisconnectReason.ConnectionLost));
        cut.WaitForAssertion(() => Assert.Contains("Reconnecting: this may be out of date", cut.Find(".stale-note").TextContent));
        Time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("3.0 s", cut.Find(".elapsed").TextContent);
        Assert.Contains("activity-stale", cut.Find(".activity").ClassName);

        Client.SetStatus(new ConnectionStatus(ConnectionState.Connected));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".stale-note")));
        Assert.Equal("8.0 s", cut.Find(".elapsed").TextContent);
    }

    [Fact]
    public void Cancel_AsksTheServer_AndARefusalIsAnErrorToast()
    {
        Client.Publish(new TaskStarted("a", TaskKinds.DocumentIndex, "Indexing notes.md", "indexer", null), T0);
        Api.Respond = _ => FakeApi.Json("""{"title":"Not found","detail":"There is no task a.","status":404}""", 404);
        var cut = Render<AgentActivityPanel>();

        cut.Find("button[aria-label='Cancel Indexing notes.md']").Click();

        cut.WaitForAssertion(() => Assert.Equal(["DELETE /api/tasks/a"], Api.Requests));
        var toast = Assert.Single(ToastService.Toasts);
        Assert.Equal((ToastLevel.Error, "Could not cancel Indexing notes.md", "There is no task a."), (toast.Level, toast.Title, toast.Message));
    }

    [Fact]
    public void Details_ListTheTasksEventsWithTheirTimes()
    {
        Client.Publish(new TaskStarted("a", TaskKinds.DocumentIndex, "Indexing notes.md", "indexer", null), T0);
        Client.Publish(new TaskProgress("a", 0.5, "indexing", "chunk 1 of 2", 1, 2), T0.AddSeconds(1));
        var cut = Render<AgentActivityPanel>();
        var toggle = cut.Find("button[aria-controls='task-details-a']");
        Assert.Equal(("Details", "Details of Indexing notes.md"), (toggle.TextContent, toggle.GetAttribute("aria-label")));
        Assert.Equal("false", toggle.GetAttribute("aria-expanded"));

        toggle.Click();

        Assert.Equal("true", cut.Find("button[aria-controls='task-details-a']").GetAttribute("aria-expanded"));
        Assert.Equal("Hide details of Indexing notes.md", cut.Find("button[aria-controls='task-details-a']").GetAttribute("aria-label"));
        var rows = cut.FindAll(".events tbody tr");
        Assert.Equal(["Started", "Progress"], rows.Select(r => r.Children[1].TextContent));
        Assert.Equal("indexing · chunk 1 of 2 · 50%", rows[1].Children[2].TextContent);
        Assert.Equal(Format.TimeOfDay(T0.AddSeconds(1), T0), rows[1].Children[0].TextContent);
        Assert.Equal("task-details-a", cut.Find(".task-details").Id);
    }

    [Fact]
    public void Filters_ByAgentAndStatus()
    {
        Client.Resync(
            new TaskRecord { TaskId = "r", Kind = "document.index", Title = "Indexing a.md", Agent = "indexer", Status = AgentTaskStatus.Running, StartedAt = T0 },
            new TaskRecord { TaskId = "s", Kind = "search", Title = "Searching x", Agent = "searcher", Status = AgentTaskStatus.Completed, StartedAt = T0, FinishedAt = T0 },
            new TaskRecord { TaskId = "f", Kind = "document.index", Title = "Indexing b.pdf", Agent = "indexer", Status = AgentTaskStatus.Failed, StartedAt = T0, FinishedAt = T0, Error = new TaskError("unreadable", "damaged") });
        var cut = Render<AgentActivityPanel>();
        Assert.Equal(["", "indexer", "searcher"], cut.FindAll("select[aria-label='Filter by agent'] option").Select(o => o.GetAttribute("value")));

        cut.Find("select[aria-label='Filter by agent']").Change("searcher");
        Assert.Equal(["Searching x"], cut.FindAll(".task-title").Select(e => e.TextContent));

        cut.Find("select[aria-label='Filter by agent']").Change("");
        cut.Find("select[aria-label='Filter by status']").Change("failed");
        Assert.Equal(["Indexing b.pdf"], cut.FindAll(".task-title").Select(e => e.TextContent));
        Assert.Empty(cut.FindAll("[aria-label='Running tasks']"));
    }

    [Fact]
    public async Task Disposed_LeavesNoHandlerOnTheActivityList()
    {
        var changed = typeof(AgentActivity).GetField("Changed", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!;
        var cut = Render<AgentActivityPanel>();
        Assert.Single(((Delegate)changed.GetValue(Activity)!).GetInvocationList());

        await DisposeComponentsAsync();

        Assert.Null(changed.GetValue(Activity));
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
