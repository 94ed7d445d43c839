namespace AgentPulse.Web.Tests;

public class AgentActivityTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 17, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider time = new(T0);
    private readonly FakeClient client = new();
    private readonly AgentActivity activity;

    public AgentActivityTests()
    {
        activity = new AgentActivity(time);
        activity.Attach(client);
    }

    private static TaskRecord Record(string id, AgentTaskStatus status, double progress = 0, DateTimeOffset? startedAt = null, DateTimeOffset? finishedAt = null) => new()
    {
        TaskId = id,
        Kind = "document.index",
        Title = $"Indexing {id}.md",
        Agent = "indexer",
        ResourceId = "doc-" + id,
        Status = status,
        Progress = progress,
        Stage = status == AgentTaskStatus.Running ? "indexing" : null,
        StartedAt = startedAt ?? T0,
        FinishedAt = finishedAt,
    };

    [Fact]
    public void SnapshotThenEvents_ReduceToRunningQueuedAndFinished()
    {
        client.Resync(
            Record("a", AgentTaskStatus.Running, 0.5, T0.AddSeconds(-10)),
            Record("b", AgentTaskStatus.Completed, 1, T0.AddSeconds(-30), T0.AddSeconds(-20)));

        client.Publish(new TaskStarted("c", "document.index", "Indexing c.md", "indexer", "doc-c"), T0.AddSeconds(1));
        client.Publish(new TaskProgress("c", 0, "queued", "waiting for a free slot", null, null), T0.AddSeconds(1));
        client.Publish(new TaskStarted("d", "search", "Searching for “agents”", "searcher", "s-1"), T0.AddSeconds(2));
        client.Publish(new TaskProgress("d", 0.25, "searching", "looking", 1, 4), T0.AddSeconds(2));
        client.Publish(new TaskProgress("a", 0.75, "indexing", "chunk 3 of 4", 3, 4), T0.AddSeconds(3));
        client.Publish(new TaskCompleted("d", 120, null), T0.AddSeconds(4));
        client.Publish(new TaskStarted("e", "document.index", "Indexing e.pdf", "indexer", "doc-e"), T0.AddSeconds(5));
        client.Publish(new TaskFailed("e", new TaskError("unreadable", "e.pdf could not be read: the PDF is damaged."), false), T0.AddSeconds(6));

        var running = Assert.Single(activity.Running);
        Assert.Equal(("a", 0.75, "indexing", "chunk 3 of 4"), (running.TaskId, running.Progress, running.Stage, running.Message));
        var queued = Assert.Single(activity.Queued);
        Assert.Equal(("c", AgentTaskStatus.Queued), (queued.TaskId, queued.Status));
        Assert.Equal(["e", "d", "b"], activity.Finished.Select(t => t.TaskId));
        Assert.Equal("e.pdf could not be read: the PDF is damaged.", activity.Finished[0].Error?.Message);
        Assert.Equal((AgentTaskStatus.Completed, 1.0, T0.AddSeconds(4)), (activity.Finished[1].Status, activity.Finished[1].Progress, activity.Finished[1].FinishedAt));
    }

    [Fact]
    public void QueuedTask_RunsWhenItsFirstRealStageComes()
    {
        client.Publish(new TaskStarted("q", "document.index", "Indexing q.md", "indexer", null));
        client.Publish(new TaskProgress("q", 0, "queued", null, null, null));
        Assert.Single(activity.Queued);

        client.Publish(new TaskProgress("q", 0.1, "extracting", "reading the file", null, null));

        Assert.Empty(activity.Queued);
        Assert.Equal("extracting", Assert.Single(activity.Running).Stage);
    }

    [Fact]
    public void Resync_ReplacesEverything()
    {
        client.Publish(new TaskStarted("old", "search", "Searching", "searcher", null));

        client.Resync(Record("new", AgentTaskStatus.Failed, finishedAt: T0) with { Error = new TaskError("interrupted", "The server restarted while this task ran.") });

        Assert.Empty(activity.Running);
        Assert.Null(activity.Find("old"));
        Assert.Equal("The server restarted while this task ran.", Assert.Single(activity.Finished).Error?.Message);
    }

    [Fact]
    public void EventsForTasksNotSeen_AndLateProgress_ChangeNothing()
    {
        var changes = 0;
        activity.Changed += () => changes++;
        client.Publish(new TaskProgress("ghost", 0.5, "indexing", null, null, null));
        client.Publish(new TaskCompleted("ghost", 1, null));
        client.Publish(new TaskStarted("t", "search", "Searching", "searcher", null));
        client.Publish(new TaskCompleted("t", 5, null));
        client.Publish(new TaskProgress("t", 0.5, "searching", null, null, null));

        Assert.Equal(2, changes);
        Assert.Equal(AgentTaskStatus.Completed, Assert.Single(activity.Finished).Status);
        Assert.Equal(1.0, activity.Finished[0].Progress);
    }

    [Fact]
    public void FinishedTasks_AreCappedAtTheRecentLimit_NewestFirst()
    {
        for (var i = 0; i < 12; i++)
        {
            client.Publish(new TaskStarted($"t{i:00}", TaskKinds.DocumentIndex, $"Indexing {i}", "indexer", null), T0.AddSeconds(i));
            client.Publish(new TaskCompleted($"t{i:00}", 5, null), T0.AddSeconds(i));
        }

        Assert.Equal(["t11", "t10", "t09", "t08", "t07", "t06", "t05", "t04"], activity.Finished.Select(t => t.TaskId));
        Assert.Null(activity.Find("t03"));
    }

    [Fact]
    public void Searches_KeepOnlyTheirLastFew_AndNeverPushOutAFailure()
    {
        client.Publish(new TaskStarted("bad", TaskKinds.DocumentIndex, "Indexing bad.pdf", "indexer", null), T0);
        client.Publish(new TaskFailed("bad", new TaskError("unreadable", "bad.pdf could not be read."), false), T0);
        client.Publish(new TaskStarted("ok", TaskKinds.DocumentIndex, "Indexing ok.md", "indexer", null), T0);
        client.Publish(new TaskCompleted("ok", 5, null), T0.AddSeconds(1));
        for (var i = 0; i < 20; i++)
        {
            client.Publish(new TaskStarted($"s{i:00}", TaskKinds.Search, $"Searching {i}", "searcher", null), T0.AddSeconds(10 + i));
            client.Publish(new TaskCompleted($"s{i:00}", 5, null), T0.AddSeconds(10 + i));
        }

        Assert.Equal(["s19", "s18", "s17", "ok", "bad"], activity.Finished.Select(t => t.TaskId));
    }

    [Fact]
    public void ACancelledTask_IsKeptAsAnOutcome_NotAsAFailure()
    {
        client.Publish(new TaskStarted("c", TaskKinds.DocumentIndex, "Indexing c.md", "indexer", null), T0);
        client.Publish(new TaskFailed("c", new TaskError(TaskErrorCodes.Cancelled, "The task was cancelled."), false), T0);

        Assert.True(AgentActivity.IsCancelled(activity.Find("c")!));
        Assert.False(AgentActivity.IsCancelled(Record("r", AgentTaskStatus.Failed) with { Error = new TaskError("unreadable", "x") }));
    }

    [Fact]
    public void ATasksEvents_AreKeptForItsDetails_WithTheirTimes_TheLatestOnes()
    {
        var small = new AgentActivity(time) { HistoryLimit = 3 };
        small.Apply(CloudEvent.Create(new TaskStarted("a", TaskKinds.DocumentIndex, "Indexing a.md", "indexer", null), "/t", time: T0));
        small.Apply(CloudEvent.Create(new TaskProgress("a", 0.25, "reading", "page 1", 1, 4), "/t", time: T0.AddSeconds(1)));
        small.Apply(CloudEvent.Create(new TaskProgress("a", 0.5, "indexing", "chunk 2", 2, 4), "/t", time: T0.AddSeconds(2)));
        small.Apply(CloudEvent.Create(new TaskCompleted("a", 3000, null), "/t", time: T0.AddSeconds(3)));

        Assert.Equal(
            [(T0.AddSeconds(1), TaskEventKind.Progress, "page 1"), (T0.AddSeconds(2), TaskEventKind.Progress, "chunk 2"), (T0.AddSeconds(3), TaskEventKind.Completed, "3.0 s")],
            small.History("a").Select(e => (e.At, e.Kind, e.Message)));
        Assert.Empty(small.History("other"));
        Assert.Equal(["indexer"], small.Agents);
    }

    [Fact]
    public void Dispose_LeavesNoSubscriptionOnTheConnection()
    {
        Assert.Equal(1, client.SubscriptionCount);

        activity.Dispose();

        Assert.Equal(0, client.SubscriptionCount);
        Assert.Equal(0, client.ResyncedHandlerCount);
    }
}
