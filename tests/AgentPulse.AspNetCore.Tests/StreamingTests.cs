using System.Text.Json;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Testing;

namespace AgentPulse.AspNetCore.Tests;

/// <summary>Run over HTTP/1.1 (an upgrade) and HTTP/2 (extended CONNECT): both go through the same frame sink.</summary>
public abstract class StreamingTests(bool http2)
{
    private Task<LibraryHost> StartAsync(IDictionary<string, string?>? settings = null) => LibraryHost.StartAsync(settings, http2: http2);

    internal static CloudEvent Progress(int i, string source = "/tests", int padding = 0) =>
        CloudEvent.Create(new TaskProgress("t1", i % 100 / 100.0, "indexing", padding == 0 ? $"step {i}" : new string('x', padding), i, null), source, id: $"e{i}");

    internal static async Task PublishManyAsync(IEventPublisher publisher, int count, int padding = 0)
    {
        for (var i = 1; i <= count; i++)
        {
            await publisher.PublishAsync(Progress(i, padding: padding));
        }
    }

    [Fact]
    public async Task Connect_WithoutAfter_GetsWelcomeThenSnapshotThenLiveEvents()
    {
        await using var server = await StartAsync();
        await using var client = await server.ConnectAsync();

        var welcome = await client.ReceiveFrameAsync();
        Assert.Equal("session.welcome", welcome.Type());
        Assert.Equal(1, welcome.Data().GetProperty("protocolVersion").GetInt32());
        Assert.False(welcome.Data().GetProperty("recovered").GetBoolean());
        Assert.Equal(0, welcome.Data().GetProperty("seq").GetInt64());
        Assert.Equal(15, welcome.Data().GetProperty("heartbeatSeconds").GetInt32());
        var snapshot = await client.ReceiveFrameAsync();
        Assert.Equal("session.snapshot", snapshot.Type());
        Assert.Equal(0, snapshot.Data().GetProperty("tasks").GetArrayLength());

        var result = await server.Get<IEventPublisher>().PublishAsync(Progress(1));

        var frame = await client.ReceiveFrameAsync();
        Assert.Equal("task.progress", frame.Type());
        Assert.Equal(1, result.Seq);
        Assert.Equal(result.Seq, frame.Seq());
        Assert.Equal("1.0", frame.GetProperty("specversion").GetString());
        Assert.Equal("e1", frame.GetProperty("id").GetString());
        Assert.Equal("step 1", frame.Data().GetProperty("message").GetString());
    }

    [Fact]
    public async Task ThreeClients_TenThousandEvents_EachGetsAllInOrderOnce()
    {
        const int Count = 10_000;
        await using var server = await StartAsync();
        var clients = new List<RawClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var client = await server.ConnectAsync();
                await client.HandshakeAsync();
                clients.Add(client);
            }
            var receiving = clients.Select(c => Task.Run(() => c.EventsAsync(Count))).ToArray();
            await PublishManyAsync(server.Get<IEventPublisher>(), Count);

            foreach (var events in await Task.WhenAll(receiving))
            {
                Assert.Equal(Enumerable.Range(1, Count).Select(i => (long)i), events.Select(e => e.Seq()));
                Assert.Equal(Enumerable.Range(1, Count).Select(i => $"e{i}"), events.Select(e => e.GetProperty("id").GetString()));
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TwentyServerSideDrops_DuringTenThousandEvents_ResumeWithAfter_LosesNothingAndDuplicatesNothing()
    {
        const int Count = 10_000;
        const int Drops = 20;
        await using var server = await StartAsync();
        var connections = server.Get<IAgentPulseConnections>();
        var client = await server.ConnectAsync();
        var welcome = await client.HandshakeAsync();
        var epoch = welcome.GetProperty("epoch").GetString();
        var connectionId = welcome.GetProperty("connectionId").GetString()!;

        // The publisher stops at each drop point until the drop is done, then goes on while the
        // client reconnects: the events of that window cross the seam between replay and live.
        const int Chunk = Count / (Drops + 1);
        using var dropped = new SemaphoreSlim(0);
        var publisher = server.Get<IEventPublisher>();
        var publishing = Task.Run(async () =>
        {
            for (var i = 1; i <= Count; i++)
            {
                await publisher.PublishAsync(Progress(i));
                if (i % Chunk == 0 && i / Chunk <= Drops)
                {
                    await dropped.WaitAsync(TimeSpan.FromSeconds(30));
                }
            }
        });
        var seqs = new List<long>(Count);
        var recoveredCount = 0;
        var drops = 0;
        try
        {
            while (seqs.Count < Count)
            {
                JsonElement? frame;
                try
                {
                    frame = await client.ReceiveAsync();
                }
                catch (System.Net.WebSockets.WebSocketException)
                {
                    frame = null;
                }
                if (frame is null)
                {
                    // Dropped: come back from the last seq seen.
                    await client.DisposeAsync();
                    var after = seqs.Count == 0 ? 0 : seqs[^1];
                    client = await server.ConnectAsync($"after={after}&epoch={epoch}");
                    var again = await client.ReceiveFrameAsync();
                    Assert.Equal("session.welcome", again.Type());
                    Assert.True(again.Data().GetProperty("recovered").GetBoolean());
                    recoveredCount++;
                    connectionId = again.Data().GetProperty("connectionId").GetString()!;
                    continue;
                }
                if (frame.Value.Type().StartsWith("session.", StringComparison.Ordinal))
                {
                    continue;
                }
                seqs.Add(frame.Value.Seq());
                if (drops < Drops && seqs.Count % Chunk == 0)
                {
                    drops++;
                    Assert.True(connections.Abort(connectionId));
                    dropped.Release();
                }
            }
            await publishing;
        }
        finally
        {
            await client.DisposeAsync();
        }

        Assert.Equal(Drops, drops);
        Assert.Equal(Drops, recoveredCount);
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task Resume_FromSeqOlderThanRetention_IsNotRecoveredAndGetsSnapshot()
    {
        await using var server = await StartAsync(new Dictionary<string, string?> { ["AgentPulse:LogRetentionCount"] = "100" });
        var publisher = server.Get<IEventPublisher>();
        await PublishManyAsync(publisher, 300);
        var epoch = server.Get<IEventLog>().Epoch;

        await using var client = await server.ConnectAsync($"after=5&epoch={epoch}");
        var welcome = await client.ReceiveFrameAsync();
        Assert.False(welcome.Data().GetProperty("recovered").GetBoolean());
        Assert.Equal(300, welcome.Data().GetProperty("seq").GetInt64());
        Assert.Equal("session.snapshot", (await client.ReceiveFrameAsync()).Type());

        await publisher.PublishAsync(Progress(301));
        Assert.Equal(301, (await client.ReceiveFrameAsync()).Seq());
    }

    [Fact]
    public async Task Resume_WithinRetention_ReplaysExactlyTheMissedEventsThenLive()
    {
        await using var server = await StartAsync(new Dictionary<string, string?> { ["AgentPulse:LogRetentionCount"] = "100" });
        var publisher = server.Get<IEventPublisher>();
        await PublishManyAsync(publisher, 300);
        var epoch = server.Get<IEventLog>().Epoch;

        await using var client = await server.ConnectAsync($"after=250&epoch={epoch}");
        var welcome = await client.ReceiveFrameAsync();
        Assert.True(welcome.Data().GetProperty("recovered").GetBoolean());
        Assert.Equal(300, welcome.Data().GetProperty("seq").GetInt64());
        await publisher.PublishAsync(Progress(301));

        var events = await client.EventsAsync(51);
        Assert.Equal(Enumerable.Range(251, 51).Select(i => (long)i), events.Select(e => e.Seq()));
    }

    [Fact]
    public async Task Resume_FromAnotherEpoch_IsNotRecoveredAndGetsSnapshot()
    {
        await using var server = await StartAsync();
        await PublishManyAsync(server.Get<IEventPublisher>(), 10);

        await using var client = await server.ConnectAsync("after=3&epoch=another");
        var welcome = await client.ReceiveFrameAsync();
        Assert.False(welcome.Data().GetProperty("recovered").GetBoolean());
        Assert.Equal(10, welcome.Data().GetProperty("seq").GetInt64());
        Assert.Equal("session.snapshot", (await client.ReceiveFrameAsync()).Type());
    }

    [Fact]
    public async Task Resume_FromASeqTheLogHasNotReached_IsNotRecovered()
    {
        await using var server = await StartAsync();
        await PublishManyAsync(server.Get<IEventPublisher>(), 3);

        await using var client = await server.ConnectAsync("after=1041");
        var welcome = await client.ReceiveFrameAsync();
        Assert.False(welcome.Data().GetProperty("recovered").GetBoolean());
        Assert.Equal(3, welcome.Data().GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Snapshot_ReflectsTaskEventsUpToTheWelcomeSeq()
    {
        await using var server = await StartAsync();
        var publisher = server.Get<IEventPublisher>();
        await publisher.PublishAsync(new TaskStarted("t1", "document.index", "Index notes.md", "indexer", "d1"), "/agents/indexer");
        await publisher.PublishAsync(new TaskProgress("t1", 0.5, "indexing", "chunk 5 of 10", 5, 10), "/agents/indexer");
        await publisher.PublishAsync(new TaskStarted("t2", "search", "Search agents", "searcher", "s1"), "/agents/searcher");
        await publisher.PublishAsync(new TaskFailed("t2", new TaskError("cancelled", "Cancelled by you."), false), "/agents/searcher");

        await using var client = await server.ConnectAsync();
        var welcome = await client.ReceiveFrameAsync();
        Assert.Equal(4, welcome.Data().GetProperty("seq").GetInt64());
        var tasks = (await client.ReceiveFrameAsync()).Data().GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("taskId").GetString()!);

        Assert.Equal(2, tasks.Count);
        Assert.Equal("running", tasks["t1"].GetProperty("status").GetString());
        Assert.Equal(0.5, tasks["t1"].GetProperty("progress").GetDouble());
        Assert.Equal("indexing", tasks["t1"].GetProperty("stage").GetString());
        Assert.Equal(JsonValueKind.Null, tasks["t1"].GetProperty("error").ValueKind);
        Assert.Equal("failed", tasks["t2"].GetProperty("status").GetString());
        Assert.Equal("cancelled", tasks["t2"].GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Publish_SameSourceAndIdTwice_IsAppendedOnce()
    {
        await using var server = await StartAsync();
        var publisher = server.Get<IEventPublisher>();

        var first = await publisher.PublishAsync(Progress(1));
        var second = await publisher.PublishAsync(Progress(1));
        var other = await publisher.PublishAsync(Progress(1, source: "/elsewhere"));

        Assert.Equal((1L, false), (first.Seq, first.Duplicate));
        Assert.Equal((1L, true), (second.Seq, second.Duplicate));
        Assert.Equal((2L, false), (other.Seq, other.Duplicate));
        Assert.Equal(2, server.Get<IEventLog>().LastSeq);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65_535)]
    [InlineData(70_000)]
    public async Task EventsOfEverySize_ArriveWhole(int padding)
    {
        await using var server = await StartAsync();
        await using var client = await server.ConnectAsync();
        await client.HandshakeAsync();

        await server.Get<IEventPublisher>().PublishAsync(Progress(1, padding: padding));

        var frame = (await client.EventsAsync(1))[0];
        Assert.Equal(padding, frame.Data().GetProperty("message").GetString()!.Length);
    }
}

public sealed class StreamingTestsOverHttp1() : StreamingTests(http2: false);

public sealed class StreamingTestsOverHttp2() : StreamingTests(http2: true);
