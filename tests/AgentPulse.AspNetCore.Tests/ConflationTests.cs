using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using AgentPulse.Protocol;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.AspNetCore.Tests;

/// <summary><c>conflate=task.progress:N</c> on the wire, with the server's clock held still (a <see cref="FakeTimeProvider"/>).</summary>
public sealed class ConflationTests
{
    private const string Conflated = "conflate=task.progress:10";
    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2026-11-25T17:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private Task<LibraryHost> StartAsync() => LibraryHost.StartAsync(configure: builder => builder.Services.AddSingleton<TimeProvider>(time));

    private static CloudEvent Progress(string task, string stage, int i) =>
        CloudEvent.Create(new TaskProgress(task, i / 1000.0, stage, $"step {i}", i, 1000), "/tests");

    private static CloudEvent Note(string text) =>
        new() { Id = Guid.NewGuid().ToString("N"), Source = "/tests", Type = "note.added", Data = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["text"] = text }) };

    /// <summary>Asks for a pong and returns every event frame that came before it: what the server had sent by then.</summary>
    private static async Task<List<JsonElement>> EventsUntilPongAsync(RawClient client)
    {
        var id = Guid.NewGuid().ToString("N");
        await client.SendTextAsync($$"""{"op":"ping","id":"{{id}}"}""");
        var events = new List<JsonElement>();
        while (true)
        {
            var frame = await client.ReceiveFrameAsync();
            if (frame.Type() == "session.pong" && frame.Data().GetProperty("id").GetString() == id)
            {
                return events;
            }
            if (!frame.Type().StartsWith("session.", StringComparison.Ordinal))
            {
                events.Add(frame);
            }
        }
    }

    [Fact]
    public async Task AThousandProgressEventsOfTwoStages_ReachAConflatedConnection_AsFirstAndLastOfEachStage_WithEveryOtherEvent()
    {
        await using var server = await StartAsync();
        await using var conflated = await server.ConnectAsync(Conflated);
        await conflated.HandshakeAsync();
        await using var plain = await server.ConnectAsync();
        await plain.HandshakeAsync();
        var publisher = server.Get<IEventPublisher>();

        List<CloudEvent> batch = [CloudEvent.Create(new TaskStarted("t1", "test", "Big job", "tester", null), "/tests")];
        batch.AddRange(Enumerable.Range(1, 500).Select(i => Progress("t1", "reading", i)));
        batch.AddRange(Enumerable.Range(501, 500).Select(i => Progress("t1", "indexing", i)));
        batch.Add(CloudEvent.Create(new TaskCompleted("t1", 1000, null), "/tests"));
        await publisher.PublishAsync(batch, EventAudience.Public);

        var received = await conflated.EventsAsync(6);
        Assert.Equal(["task.started", "task.progress", "task.progress", "task.progress", "task.progress", "task.completed"], received.Select(e => e.Type()));
        Assert.Equal([1L, 2, 501, 502, 1001, 1002], received.Select(e => e.Seq()));
        Assert.Equal([1L, 500, 501, 1000], received.Skip(1).Take(4).Select(e => e.Data().GetProperty("current").GetInt64()));
        // Nothing else was sent: the next frame answers a ping.
        Assert.Empty(await EventsUntilPongAsync(conflated));
        // A connection that did not ask gets all of them.
        Assert.Equal(Enumerable.Range(1, 1002).Select(i => (long)i), (await plain.EventsAsync(1002)).Select(e => e.Seq()));
    }

    [Fact]
    public async Task TheLatestProgress_ComesOnceItsIntervalHasPassed_AndHoldsBackWhatFollowsTillThen()
    {
        await using var server = await StartAsync();
        await using var client = await server.ConnectAsync(Conflated);
        await client.HandshakeAsync();
        var publisher = server.Get<IEventPublisher>();

        await publisher.PublishAsync([Progress("t1", "indexing", 1), Progress("t1", "indexing", 2), Progress("t1", "indexing", 3), Note("after")], EventAudience.Public);
        Assert.Equal([1L], (await client.EventsAsync(1)).Select(e => e.Seq()));
        Assert.Empty(await EventsUntilPongAsync(client));

        time.Advance(TimeSpan.FromMilliseconds(100));
        var later = await client.EventsAsync(2);
        Assert.Equal([3L, 4], later.Select(e => e.Seq()));
        Assert.Equal(3, later[0].Data().GetProperty("current").GetInt64());
    }

    [Fact]
    public async Task AResume_FromTheLastSeqReceived_GetsTheProgressThatWasHeld_AndEveryOtherEventOnce()
    {
        await using var server = await StartAsync();
        var publisher = server.Get<IEventPublisher>();
        var first = await server.ConnectAsync(Conflated);
        var welcome = await first.HandshakeAsync();
        var epoch = welcome.GetProperty("epoch").GetString();
        var connectionId = welcome.GetProperty("connectionId").GetString()!;

        await publisher.PublishAsync(
        [
            CloudEvent.Create(new TaskStarted("t1", "test", "Job", "tester", null), "/tests"), // 1
            Progress("t1", "indexing", 1),                                                   // 2: first of its stage
            Progress("t1", "indexing", 2),                                                   // 3: superseded by 5
            Note("between"),                                                                 // 4
            Progress("t1", "indexing", 3),                                                   // 5: held when the connection drops
        ], EventAudience.Public);
        var before = await first.EventsAsync(3);
        Assert.Equal([1L, 2, 4], before.Select(e => e.Seq()));
        Assert.Empty(await EventsUntilPongAsync(first));
        Assert.True(server.Get<IAgentPulseConnections>().Abort(connectionId));
        await first.DisposeAsync();

        await using var second = await server.ConnectAsync($"after=4&epoch={epoch}&{Conflated}");
        var again = await second.ReceiveFrameAsync();
        Assert.True(again.Data().GetProperty("recovered").GetBoolean());
        await publisher.PublishAsync(CloudEvent.Create(new TaskCompleted("t1", 10, null), "/tests"));  // 6
        var after = await second.EventsAsync(2);
        Assert.Equal([5L, 6], after.Select(e => e.Seq()));
        Assert.Equal(3, after[0].Data().GetProperty("current").GetInt64());
    }

    [Theory]
    [InlineData("conflate=task.progress:0")]
    [InlineData("conflate=task.progress:1001")]
    [InlineData("conflate=task.progress:ten")]
    [InlineData("conflate=task.progress")]
    [InlineData("conflate=task.started:10")]
    [InlineData("conflate=task.progress:10&conflate=task.progress:5")]
    public async Task ABadConflationRequest_IsRefusedWith400(string query)
    {
        await using var server = await StartAsync();
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(server.WebSocketUri(query), CancellationToken.None));
        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
    }

    [Theory]
    [InlineData("task.progress:10", true, 10)]
    [InlineData(" task.progress : 1 ", true, 1)]
    [InlineData("task.progress:1000", true, 1000)]
    [InlineData("task.progress:-1", false, 0)]
    [InlineData("*:10", false, 0)]
    public void ConflationValues_AreReadAsDocumented(string text, bool valid, int perSecond)
    {
        Assert.Equal(valid, Conflation.TryParse(text, out var parsed, out var problem));
        Assert.Equal(perSecond, parsed);
        Assert.Equal(valid, problem.Length == 0);
    }
}
