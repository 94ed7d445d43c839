using System.Reflection;

namespace AgentPulse.Web.Tests;

public class SceneFeedTests : WebTestContext
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 17, 0, 0, TimeSpan.Zero);

    private readonly List<SceneSnapshot> sent = [];

    private SceneFeed Feed() => new(Activity, Client, ToastService, Time, sent.Add);

    [Fact]
    public void Start_SendsTheStateOfNow_TasksConnectionAndToasts()
    {
        Client.Resync(
            new TaskRecord { TaskId = "r", Kind = "document.index", Title = "Indexing notes.md", Agent = "indexer", Status = AgentTaskStatus.Running, Progress = 0.42, Stage = "indexing", Message = "chunk 21 of 50", StartedAt = T0 },
            new TaskRecord { TaskId = "q", Kind = "document.index", Title = "Indexing later.md", Agent = "indexer", Status = AgentTaskStatus.Queued, StartedAt = T0.AddSeconds(1) },
            new TaskRecord { TaskId = "c", Kind = "search", Title = "Searching for “pulse”", Agent = "searcher", Status = AgentTaskStatus.Completed, Progress = 1, StartedAt = T0.AddSeconds(-3), FinishedAt = T0.AddSeconds(-1.5) },
            new TaskRecord { TaskId = "f", Kind = "document.index", Title = "Indexing bad.pdf", Agent = "indexer", Status = AgentTaskStatus.Failed, StartedAt = T0.AddSeconds(-2), FinishedAt = T0.AddSeconds(-1), Error = new TaskError("unreadable", "bad.pdf could not be read.") });
        ToastService.Show(ToastLevel.Success, "notes.md is indexed.");
        using var feed = Feed();

        feed.Start();

        var snapshot = Assert.Single(sent);
        Assert.Equal(new SceneStatus(ConnectionState.Connected, "Connected"), snapshot.Status);
        Assert.Equal(["indexer", "searcher"], snapshot.Stations);
        Assert.Equal(
            [
                new SceneTask("r", "Indexing notes.md", "indexer", "document.index", AgentTaskStatus.Running, 0.42, "indexing", "chunk 21 of 50", null),
                new SceneTask("q", "Indexing later.md", "indexer", "document.index", AgentTaskStatus.Queued, 0, null, null, null),
                new SceneTask("f", "Indexing bad.pdf", "indexer", "document.index", AgentTaskStatus.Failed, 0, null, null, "Failed: bad.pdf could not be read."),
                new SceneTask("c", "Searching for “pulse”", "searcher", "search", AgentTaskStatus.Completed, 1, null, null, "Completed in 1.5 s"),
            ],
            snapshot.Tasks);
        Assert.Equal([new SceneNotification(1, ToastLevel.Success, null, "notes.md is indexed.")], snapshot.Notifications);
    }

    [Fact]
    public void Snapshot_IsTheJsonTheSceneReads_CamelCaseWithLowercaseStates()
    {
        Client.SetStatus(new ConnectionStatus(ConnectionState.Reconnecting, Attempt: 2, NextDelay: TimeSpan.FromSeconds(3)));
        Client.Publish(new TaskStarted("t", "document.index", "Indexing a.md", "indexer", null), T0);
        ToastService.Show(ToastLevel.Error, "It broke.");
        using var feed = Feed();

        var json = SceneJson.Write(feed.Snapshot());

        Assert.Equal(
            """{"status":{"state":"reconnecting","text":"Reconnecting, attempt 2 of 5\u2026"},"stations":["indexer"],"tasks":[{"id":"t","title":"Indexing a.md","agent":"indexer","kind":"document.index","status":"running","progress":0,"stage":null,"message":null,"outcome":null}],"notifications":[{"id":1,"level":"error","title":null,"message":"It broke."}]}""",
            json);
    }

    [Fact]
    public void AThousandProgressEvents_SendTwoSnapshots_NotAThousand()
    {
        Client.Publish(new TaskStarted("t", "document.index", "Indexing big.md", "indexer", null), T0);
        using var feed = Feed();
        feed.Start();
        Time.Advance(TimeSpan.FromMilliseconds(100));
        sent.Clear();

        for (var i = 1; i <= 1000; i++)
        {
            Client.Publish(new TaskProgress("t", i / 1000.0, "indexing", $"chunk {i} of 1000", i, 1000));
        }
        // The first change goes out at once; the other 999 wait for the end of the interval, together.
        Assert.Equal(0.001, Assert.Single(sent).Tasks.Single().Progress);
        Time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Single(sent);
        Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(2, sent.Count);
        Assert.Equal(1.0, sent[1].Tasks.Single().Progress);
    }

    [Fact]
    public void StatusChangesAndToasts_AreSent()
    {
        using var feed = Feed();
        feed.Start();

        Time.Advance(TimeSpan.FromMilliseconds(100));
        Client.SetStatus(new ConnectionStatus(ConnectionState.Reconnecting, Attempt: 1, NextDelay: TimeSpan.FromSeconds(1)));
        Time.Advance(TimeSpan.FromMilliseconds(100));
        ToastService.Show(ToastLevel.Info, "Deleted a.md.");

        Assert.Equal(["Connected", "Reconnecting, attempt 1 of 5…", "Reconnecting, attempt 1 of 5…"], sent.Select(s => s.Status.Text));
        Assert.Equal("Deleted a.md.", Assert.Single(sent[^1].Notifications).Message);
    }

    [Fact]
    public void Stations_StayInTheOrderTheyFirstAppeared_AfterTheirTasksAreGone()
    {
        using var feed = Feed();
        Client.Publish(new TaskStarted("s", "search", "Searching for “a”", "searcher", null), T0);
        Client.Publish(new TaskStarted("i", "document.index", "Indexing a.md", "indexer", null), T0.AddSeconds(1));
        Assert.Equal(["searcher", "indexer"], feed.Snapshot().Stations);

        Client.Resync();
        Client.Publish(new TaskStarted("p", "publish", "Crawling", "crawler", null), T0.AddSeconds(2));

        Assert.Equal(["searcher", "indexer", "crawler"], feed.Snapshot().Stations);
    }

    [Fact]
    public void Dispose_RemovesEveryHandler_AndDropsAPendingSnapshot()
    {
        var feed = Feed();
        feed.Start();
        Assert.Equal(2, Client.StateChangedHandlerCount); // the library's, app-wide, and this one
        Assert.Single(Handlers(Activity, "Changed"));
        Assert.Single(Handlers(ToastService, "Changed"));
        Client.Publish(new TaskStarted("t", "document.index", "Indexing a.md", "indexer", null), T0);
        Assert.Single(sent);
        Client.Publish(new TaskProgress("t", 0.5, "indexing", null, null, null));

        feed.Dispose();
        Time.Advance(TimeSpan.FromSeconds(1));
        ToastService.Show(ToastLevel.Info, "after");
        Client.SetStatus(new ConnectionStatus(ConnectionState.Reconnecting, Attempt: 1));

        Assert.Single(sent);
        Assert.Equal(1, Client.StateChangedHandlerCount); // the library's, app-wide
        Assert.Empty(Handlers(Activity, "Changed"));
        Assert.Empty(Handlers(ToastService, "Changed"));
    }

    private static Delegate[] Handlers(object owner, string eventName) =>
        (owner.GetType().GetField(eventName, BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(owner) as Delegate)?.GetInvocationList() ?? [];
}
