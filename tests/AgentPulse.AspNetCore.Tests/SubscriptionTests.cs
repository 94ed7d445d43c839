using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Testing;

namespace AgentPulse.AspNetCore.Tests;

public sealed class SubscriptionTests
{
    private static async Task PublishOneOfEachAsync(IEventPublisher publisher)
    {
        await publisher.PublishAsync(new TaskStarted("t1", "search", "Search", "searcher", "s1"), "/agents/searcher");
        await publisher.PublishAsync(new DocumentIndexed("d1", "notes.md", "text/markdown", 10, 1, "t0"), "/agents/indexer");
        await publisher.PublishAsync(new SearchCompleted("s1", "agents", 0, 3, [], "t1"), "/agents/searcher");
        await publisher.PublishAsync(new TaskCompleted("t1", 5, null), "/agents/searcher");
    }

    [Fact]
    public async Task TypesAtConnect_ExactAndWildcard_FilterOnTheServer()
    {
        await using var server = await LibraryHost.StartAsync();
        await using var client = await server.ConnectAsync("types=task.*,search.completed");
        await client.HandshakeAsync();

        await PublishOneOfEachAsync(server.Get<IEventPublisher>());

        var events = await client.EventsAsync(3);
        Assert.Equal(["task.started", "search.completed", "task.completed"], events.Select(e => e.Type()));
        Assert.Equal([1L, 3L, 4L], events.Select(e => e.Seq()));
    }

    [Fact]
    public async Task SubscribeAndUnsubscribe_AreAcknowledgedWithTheWholeSet_AndChangeWhatArrives()
    {
        await using var server = await LibraryHost.StartAsync();
        var publisher = server.Get<IEventPublisher>();
        await using var client = await server.ConnectAsync("types=document.indexed");
        await client.HandshakeAsync();

        await client.SendTextAsync("""{"op":"subscribe","types":["task.*","search.completed"]}""");
        var ack = await client.ReceiveFrameAsync();
        Assert.Equal("session.subscribed", ack.Type());
        Assert.Equal(["document.indexed", "task.*", "search.completed"], ack.Data().GetProperty("types").EnumerateArray().Select(t => t.GetString()));

        await client.SendTextAsync("""{"op":"unsubscribe","types":["document.indexed","search.completed"]}""");
        ack = await client.ReceiveFrameAsync();
        Assert.Equal(["task.*"], ack.Data().GetProperty("types").EnumerateArray().Select(t => t.GetString()));

        await PublishOneOfEachAsync(publisher);
        var events = await client.EventsAsync(2);
        Assert.Equal(["task.started", "task.completed"], events.Select(e => e.Type()));
    }

    [Fact]
    public async Task BadPatternAtConnect_IsRefusedWith400()
    {
        await using var server = await LibraryHost.StartAsync();
        using var http = server.CreateHttpClient();
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => socket.ConnectAsync(server.WebSocketUri("types=ta*sk"), CancellationToken.None));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, socket.HttpStatusCode);
    }

    [Fact]
    public async Task UserEvents_ReachOnlyTheirUser_WhenAuthenticationIsOn()
    {
        await using var server = await LibraryHost.StartAsync(
            new Dictionary<string, string?> { ["AgentPulse:RequireAuthentication"] = "true" },
            configure: builder => TestAuthentication.Add(builder));
        var publisher = server.Get<IEventPublisher>();
        await using var alice = await server.ConnectAsync("access_token=alice");
        await alice.HandshakeAsync();
        await using var bob = await server.ConnectAsync("access_token=bob");
        await bob.HandshakeAsync();

        await publisher.PublishAsync(new TaskStarted("a1", "search", "Alice's search", "searcher", null), "/agents/searcher", audience: EventAudience.User("alice"));
        await publisher.PublishAsync(new TaskStarted("b1", "search", "Bob's search", "searcher", null), "/agents/searcher", audience: EventAudience.User("bob"));
        await publisher.PublishAsync(new TaskStarted("p1", "search", "Public search", "searcher", null), "/agents/searcher");

        Assert.Equal([1L, 3L], (await alice.EventsAsync(2)).Select(e => e.Seq()));
        Assert.Equal([2L, 3L], (await bob.EventsAsync(2)).Select(e => e.Seq()));
    }

    [Fact]
    public async Task MissingToken_IsRefusedWith401_WhenAuthenticationIsOn()
    {
        await using var server = await LibraryHost.StartAsync(
            new Dictionary<string, string?> { ["AgentPulse:RequireAuthentication"] = "true" },
            configure: builder => TestAuthentication.Add(builder));
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => socket.ConnectAsync(server.WebSocketUri(), CancellationToken.None));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }
}
