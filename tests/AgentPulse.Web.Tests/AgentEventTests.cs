using Microsoft.AspNetCore.Components;

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

        Client.Publish(new DocumentIndexed("d1", "notes.md", "text/markdown", 120, 2, "t1"));
        Client.Publish(new TaskStarted("t2", "search", "Searching", "searcher", null));
        Client.Publish(new DocumentIndexed("d2", "paper.pdf", "application/pdf", 4000, 9, "t3"));

        Assert.Equal(["notes.md", "paper.pdf"], received);
    }

    [Fact]
    public async Task AgentEvent_ThatLeavesThePage_Unsubscribes()
    {
        var received = 0;
        var cut = Render<AgentEvent>(p => p
            .Add(c => c.Type, "task.*")
            .Add(c => c.OnEvent, (CloudEvent _) => received++));
        var subscriptionsWhileShown = Client.SubscriptionCount;

        await DisposeComponentsAsync();
        Client.Publish(new TaskStarted("t", "search", "Searching", "searcher", null));

        Assert.Equal(6, subscriptionsWhileShown); // the app-wide services' five, and the component's
        Assert.Equal(5, Client.SubscriptionCount);
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
        Client.Publish(new TaskStarted("t", "search", "Searching", "searcher", null));
        Client.Publish(new TaskFailed("t", new TaskError("x", "no"), false));

        Assert.Equal(["task.failed"], received);
        Assert.Equal(6, Client.SubscriptionCount);
    }

    [Fact]
    public async Task EveryView_Disposed_LeavesTheRealClientWithoutItsSubscriptions()
    {
        // The app's real client (not started: subscriptions need no socket), registered as the app registers it.
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        // The browser's services, which the sign-in session takes (the library's first load asks it for a token).
        services.AddSingleton(JSInterop.JSRuntime);
        services.AddSingleton(_ => Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>());
        services.AddAgentPulseWeb(new Uri("ws://127.0.0.1:1/ws/agents"), new Uri("http://127.0.0.1:1/"));
        await using var provider = services.BuildServiceProvider();
        var real = provider.GetRequiredService<AgentPulseClient>();
        Assert.Same(real, provider.GetRequiredService<IAgentPulseClient>());
        Services.AddSingleton<IAgentPulseClient>(real);
        Services.AddSingleton(provider.GetRequiredService<AgentActivity>());
        Services.AddSingleton(provider.GetRequiredService<DocumentLibrary>());
        Services.AddSingleton(provider.GetRequiredService<Notifications>());
        var appWide = real.SubscriptionCount;

        Render<Host>();
        var whileShown = real.SubscriptionCount;
        await DisposeComponentsAsync();

        // The activity list's task.*, the library's document.indexed and task.failed, the notification policy's same two.
        Assert.Equal(5, appWide);
        // The search box: search.completed and task.failed.
        Assert.Equal(appWide + 2, whileShown);
        Assert.Equal(appWide, real.SubscriptionCount);
    }

    [Fact]
    public async Task EveryView_Disposed_LeavesNoSubscriptionOrHandlerButTheActivityLists()
    {
        Api.Respond = _ => FakeApi.Json("""{"documents":[]}""");
        Render<Host>();
        Assert.Equal(7, Client.SubscriptionCount);
        Assert.Equal(4, Client.ResyncedHandlerCount);
        Assert.Equal(3, Client.StateChangedHandlerCount);

        await DisposeComponentsAsync();

        // What is left is the app-wide services' own: the activity list's, the library's and the notification policy's.
        Assert.Equal(5, Client.SubscriptionCount);
        Assert.Equal(3, Client.ResyncedHandlerCount);
        Assert.Equal(1, Client.StateChangedHandlerCount);
    }

    private sealed class Host : ComponentBase
    {
        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            builder.OpenComponent<AgentActivityPanel>(0);
            builder.CloseComponent();
            builder.OpenComponent<DocumentsPanel>(1);
            builder.CloseComponent();
            builder.OpenComponent<SearchPanel>(2);
            builder.CloseComponent();
            builder.OpenComponent<ConnectionIndicator>(3);
            builder.CloseComponent();
        }
    }
}
