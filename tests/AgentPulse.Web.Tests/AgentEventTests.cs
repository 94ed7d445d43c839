using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentPulse.Web.Tests;

public class AgentEventTests : WebTestContext
{
    [Fact]
    public void AgentEvent_CallsOnEventForItsTypeOnly()
    {
        var received = new List<string>();
        Render<AgentEvent>(p => p
            .Add(c => c.Type, "document.indexed")
            .Add(c => c.OnEvent, (CloudEvent e) => received.Add(e.GetData<DocumentIndexed>()!.Name)));

        Connection.Publish(new DocumentIndexed("d1", "notes.md", "text/markdown", 120, 2, "t1"));
        Connection.Publish(new TaskStarted("t2", "search", "Searching", "searcher", null));
        Connection.Publish(new DocumentIndexed("d2", "paper.pdf", "application/pdf", 4000, 9, "t3"));

        Assert.Equal(["notes.md", "paper.pdf"], received);
    }

    [Fact]
    public async Task AgentEvent_ThatLeavesThePage_Unsubscribes()
    {
        var received = 0;
        var cut = Render<AgentEvent>(p => p
            .Add(c => c.Type, "task.*")
            .Add(c => c.OnEvent, (CloudEvent _) => received++));
        var subscriptionsWhileShown = Connection.SubscriptionCount;

        await DisposeComponentsAsync();
        Connection.Publish(new TaskStarted("t", "search", "Searching", "searcher", null));

        Assert.Equal(2, subscriptionsWhileShown); // the activity list's and the component's
        Assert.Equal(1, Connection.SubscriptionCount);
        Assert.Equal(0, received);
    }

    [Fact]
    public void AgentEvent_WhoseTypeChanges_MovesItsSubscription()
    {
        var received = new List<string>();
        var cut = Render<AgentEvent>(p => p
            .Add(c => c.Type, "task.started")
            .Add(c => c.OnEvent, (CloudEvent e) => received.Add(e.Type)));

        cut.Render(p => p.Add(c => c.Type, "task.failed"));
        Connection.Publish(new TaskStarted("t", "search", "Searching", "searcher", null));
        Connection.Publish(new TaskFailed("t", new TaskError("x", "no"), false));

        Assert.Equal(["task.failed"], received);
        Assert.Equal(2, Connection.SubscriptionCount);
    }

    [Fact]
    public async Task EveryView_Disposed_LeavesTheRealConnectionWithoutItsSubscriptions()
    {
        // The app's real connection service over a real client (not started: subscriptions need no socket).
        await using var real = new AgentPulseConnection(new Uri("ws://127.0.0.1:1/ws/agents"), new ExponentialBackoffReconnectPolicy(), Time, NullLoggerFactory.Instance);
        Services.AddSingleton<IAgentPulseConnection>(real);
        Services.AddSingleton(new AgentActivity(Time));

        Render<Host>();
        var whileShown = real.SubscriptionCount;
        var heldByTheClient = ClientSubscriptions(real.Client);
        await DisposeComponentsAsync();

        Assert.Equal(4, whileShown); // uploader: document.indexed and task.failed; search: search.completed and task.failed
        Assert.Equal(0, real.SubscriptionCount);
        Assert.Equal(4, heldByTheClient);
        Assert.Equal(0, ClientSubscriptions(real.Client));
    }

    /// <summary>What the client itself holds: its private array of subscriptions (no public count exists).</summary>
    private static int ClientSubscriptions(AgentPulseClient client)
    {
        var field = typeof(AgentPulseClient).GetField("subscriptions", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("AgentPulseClient no longer has a 'subscriptions' field: update this test.");
        return ((Array)field.GetValue(client)!).Length;
    }

    [Fact]
    public async Task EveryView_Disposed_LeavesNoSubscriptionOrHandlerButTheActivityLists()
    {
        Api.Respond = _ => FakeApi.Json("""{"documents":[]}""");
        Render<Host>();
        Assert.Equal(5, Connection.SubscriptionCount);
        Assert.Equal(3, Connection.ResyncedHandlerCount);
        Assert.Equal(1, Connection.StatusChangedHandlerCount);

        await DisposeComponentsAsync();

        // What is left is the app-wide activity list's own: task.* and its resync handler.
        Assert.Equal(1, Connection.SubscriptionCount);
        Assert.Equal(1, Connection.ResyncedHandlerCount);
        Assert.Equal(0, Connection.StatusChangedHandlerCount);
    }

    private sealed class Host : ComponentBase
    {
        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            builder.OpenComponent<AgentActivityPanel>(0);
            builder.CloseComponent();
            builder.OpenComponent<DocumentUploader>(1);
            builder.CloseComponent();
            builder.OpenComponent<SearchPanel>(2);
            builder.CloseComponent();
            builder.OpenComponent<ConnectionIndicator>(3);
            builder.CloseComponent();
        }
    }
}
