using System.Net.WebSockets;
using System.Threading.Channels;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.Client.Tests;

/// <summary>The client against the real server on Kestrel, with real sockets and server-side drops.</summary>
public sealed class ServerTests
{

    private static AgentPulseClient NewClient(RunningServer server, Action<AgentPulseClientOptions>? configure = null)
    {
        var options = new AgentPulseClientOptions { Url = server.WebSocketUri(), ReconnectPolicy = TestTimeouts.QuickReconnect };
        configure?.Invoke(options);
        return new AgentPulseClient(options);
    }

    [Fact]
    public async Task TenThousandEvents_WithTwentyServerSideDrops_ReachSubscribersOnceEachInOrder()
    {
        const int Total = 10_000;
        const int Drops = 20;
        await using var server = await RunningServer.StartAsync();
        var publisher = server.Get<IEventPublisher>();
        var connections = server.Get<IAgentPulseConnections>();
        await using var client = NewClient(server);
        var typed = new List<(long Seq, long Index)>(Total);
        var patterned = new List<long>(Total);
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onProgress = client.On<TaskProgress>((progress, e) => typed.Add((e.Seq, progress.Current!.Value)));
        using var onTasks = client.Subscribe("task.*", e =>
        {
            patterned.Add(e.Seq);
            if (patterned.Count == Total)
            {
                all.TrySetResult();
            }
        });
        var log = new StatusLog(client);
        await client.StartAsync();

        var dropped = 0;
        for (var i = 0; i < Total; i++)
        {
            await publisher.PublishAsync(Events.Progress(i));
            if ((i + 1) % (Total / Drops) == 0)
            {
                // Drop the live connection as a network failure would, and go on once the client is back.
                var id = client.Status.ConnectionId!;
                if (connections.Abort(id))
                {
                    dropped++;
                }
                await log.WaitForAsync(s => s.State == ConnectionState.Connected && s.ConnectionId != id);
            }
        }
        await all.Task.WaitAsync(TestTimeouts.Wait);

        Assert.Equal(Drops, dropped);
        Assert.Equal(Total, typed.Count);
        Assert.Equal(Enumerable.Range(0, Total).Select(i => (long)i), typed.Select(t => t.Index));
        Assert.Equal(typed.Select(t => t.Seq), patterned);
        Assert.True(patterned.Zip(patterned.Skip(1)).All(p => p.First < p.Second), "seqs strictly increase");
        Assert.True(log.All.Count(s => s.State == ConnectionState.Connected) >= Drops + 1);
    }

    [Fact]
    public async Task ServerRestart_WithAnInMemoryLog_ClientComesBackByItselfAndResyncs()
    {
        var memory = new Dictionary<string, string?> { ["AgentPulse:Log"] = "Memory" };
        var first = await RunningServer.StartAsync(memory);
        var port = first.Port;
        var dataPath = first.DataPath;
        RunningServer? second = null;
        try
        {
            await using var client = NewClient(first);
            var resyncs = Channel.CreateUnbounded<ResyncEventArgs>();
            client.Resynced += r => resyncs.Writer.TryWrite(r);
            var received = Channel.CreateUnbounded<CloudEvent>();
            using var subscription = client.Subscribe("task.*", e => received.Writer.TryWrite(e));
            var log = new StatusLog(client);
            await client.StartAsync();
            var initial = await resyncs.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait);
            await first.Get<IEventPublisher>().PublishAsync(Events.Started("before"));
            await first.Get<IEventPublisher>().PublishAsync(Events.Progress(1, "before"));
            Assert.Equal("before", (await received.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait)).GetData<TaskStarted>()!.TaskId);
            await received.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait);
            Assert.Equal(2, client.LastSeq);

            await first.StopAsync();
            var lost = await log.WaitForAsync(s => s.State == ConnectionState.Reconnecting);
            second = await RunningServer.StartAsync(memory, port: port, dataPath: dataPath);
            var resync = await resyncs.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait);
            await second.Get<IEventPublisher>().PublishAsync(Events.Started("after"));
            var next = await received.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait);

            Assert.Equal(ResyncReason.Initial, initial.Reason);
            Assert.Equal((CloseCodes.GoingAway, DisconnectReason.ServerGoingAway), (lost.CloseCode, lost.Reason));
            Assert.Equal(ResyncReason.LogReset, resync.Reason);
            Assert.NotEqual(initial.Epoch, resync.Epoch);
            Assert.Equal(resync.Epoch, client.Epoch);
            // The new log starts over: the client takes the welcome's seq, not its old position (2), and so misses nothing.
            Assert.Equal(0, resync.Seq);
            Assert.Equal(("after", 1L), (next.GetData<TaskStarted>()!.TaskId, next.Seq));
            Assert.Equal(ConnectionState.Connected, client.State);
        }
        finally
        {
            if (second is not null)
            {
                await second.StopAsync();
            }
            Directory.Delete(dataPath, recursive: true);
        }
    }

    [Fact]
    public async Task ServerRestart_WithTheDurableLog_ClientResumesWithoutResync_AndMissesNothing()
    {
        var first = await RunningServer.StartAsync();
        var port = first.Port;
        var dataPath = first.DataPath;
        RunningServer? second = null;
        try
        {
            await using var client = NewClient(first);
            var resyncs = Channel.CreateUnbounded<ResyncEventArgs>();
            client.Resynced += r => resyncs.Writer.TryWrite(r);
            var received = Channel.CreateUnbounded<CloudEvent>();
            using var subscription = client.Subscribe("task.*", e => received.Writer.TryWrite(e));
            var log = new StatusLog(client);
            await client.StartAsync();
            var initial = await resyncs.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait);
            await first.Get<IEventPublisher>().PublishAsync(Events.Started("before"));
            Assert.Equal(1, (await received.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait)).Seq);

            await log.WaitForAsync(s => s.State == ConnectionState.Connected);
            await first.StopAsync();
            await log.WaitForAsync(s => s.State == ConnectionState.Reconnecting);
            second = await RunningServer.StartAsync(port: port, dataPath: dataPath);
            // Published before the client is back: it gets it on resume, then what follows live.
            await second.Get<IEventPublisher>().PublishAsync(Events.Progress(1, "before"));
            Assert.Equal(2, (await received.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait)).Seq);
            await second.Get<IEventPublisher>().PublishAsync(Events.Started("after"));
            Assert.Equal(3, (await received.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait)).Seq);
            Assert.False(resyncs.Reader.TryRead(out _), "A resume across a restart of a durable log needs no resync.");
            Assert.Equal(initial.Epoch, client.Epoch);
        }
        finally
        {
            if (second is not null)
            {
                await second.StopAsync();
            }
            Directory.Delete(dataPath, recursive: true);
        }
    }

    [Fact]
    public async Task ServerThatGoesSilent_IsDetectedByTheHeartbeatTimeoutAndLeft()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?> { ["AgentPulse:HeartbeatInterval"] = "00:00:01" });
        var time = new FakeTimeProvider();
        var sockets = Channel.CreateUnbounded<SilencingWebSocket>();
        await using var client = NewClient(server, o =>
        {
            o.TimeProvider = time;
            o.SocketFactory = async (uri, ct) =>
            {
                var inner = new ClientWebSocket();
                await inner.ConnectAsync(uri, ct);
                var socket = new SilencingWebSocket(inner, framesBeforeSilence: 2); // welcome and snapshot, then nothing
                sockets.Writer.TryWrite(socket);
                return socket;
            };
        });
        var log = new StatusLog(client);
        await client.StartAsync();
        var silenced = await sockets.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait);
        await log.WaitForAsync(s => s.State == ConnectionState.Connected);
        await silenced.Swallowed.Task.WaitAsync(TestTimeouts.Wait); // real heartbeats arrive, and are swallowed

        time.Advance(TimeSpan.FromSeconds(2)); // twice the server's heartbeatSeconds (1)

        var left = await log.NextAsync();
        Assert.Equal((ConnectionState.Reconnecting, 1, DisconnectReason.HeartbeatTimeout, (int?)CloseCodes.Abnormal), (left.State, left.Attempt, left.Reason, left.CloseCode));
        Assert.Equal(WebSocketState.Aborted, silenced.Inner.State);
    }

    [Fact]
    public async Task Unauthorized_FromTheServer_StopsReconnecting()
    {
        await using var server = await RunningServer.StartAsync();
        await using var client = NewClient(server);
        var log = new StatusLog(client);
        await client.StartAsync();
        var id = client.Status.ConnectionId!;

        Assert.True(server.Get<IAgentPulseConnections>().Close(id, CloseCodes.Unauthorized, "token expired"));

        await log.WaitForAsync(s => s.State == ConnectionState.Connected);
        var ended = await log.NextAsync();
        Assert.Equal(new ConnectionStatus(ConnectionState.Disconnected, 0, null, DisconnectReason.Unauthorized, CloseCodes.Unauthorized, "token expired"), ended);
        // Nothing happens by itself: the next status is the one a Retry button causes.
        await client.ReconnectNowAsync();
        Assert.Equal(ConnectionState.Reconnecting, (await log.NextAsync()).State);
        var back = await log.NextAsync();
        Assert.Equal(ConnectionState.Connected, back.State);
        Assert.NotEqual(id, back.ConnectionId);
    }

    [Fact]
    public async Task RefusedHandshake_Http401_IsReportedAsUnauthorized()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?> { ["AgentPulse:RequireAuthentication"] = "true" });
        await using var client = NewClient(server, o => o.ReconnectPolicy = new ExponentialBackoffReconnectPolicy { InitialDelay = TimeSpan.Zero, MaxAttempts = 1 });

        var error = await Assert.ThrowsAsync<AgentPulseException>(() => client.StartAsync());

        Assert.Equal(new ConnectionStatus(ConnectionState.Disconnected, 1, null, DisconnectReason.Unauthorized) { GaveUp = true }, error.Status!.WithoutException());
        var refused = Assert.IsType<HttpRequestException>(error.Status!.Exception);
        Assert.Equal((System.Net.HttpStatusCode.Unauthorized, "unauthorized (HTTP 401)"), (refused.StatusCode, refused.Message));
    }

    [Fact]
    public async Task TypedAndPatternSubscriptions_GetExactlyTheirEvents()
    {
        await using var server = await RunningServer.StartAsync();
        var publisher = server.Get<IEventPublisher>();
        await using var client = NewClient(server);
        var progress = new List<string>();
        var tasks = new List<string>();
        var searches = new List<string>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var a = client.On<TaskProgress>((p, e) => progress.Add($"{e.Type} {p.Message}"));
        using var b = client.Subscribe("task.*", e =>
        {
            tasks.Add(e.Type);
            if (e.Type == EventTypes.TaskCompleted)
            {
                done.TrySetResult();
            }
        });
        using var c = client.On<SearchCompleted>(async (s, _) =>
        {
            await Task.Yield();
            searches.Add(s.SearchId);
        });
        await client.StartAsync();

        await publisher.PublishAsync(Events.Started("t1"));
        await publisher.PublishAsync(Events.Progress(7));
        await publisher.PublishAsync(Events.Indexed("d1"));
        await publisher.PublishAsync(Events.Searched("s1"));
        await publisher.PublishAsync(Events.Completed("t1"));
        await done.Task.WaitAsync(TestTimeouts.Wait);

        Assert.Equal(["task.progress step 7"], progress);
        Assert.Equal([EventTypes.TaskStarted, EventTypes.TaskProgress, EventTypes.TaskCompleted], tasks);
        Assert.Equal(["s1"], searches);
    }

    [Fact]
    public async Task DisposedSubscription_GetsNoFurtherCall()
    {
        await using var server = await RunningServer.StartAsync();
        var publisher = server.Get<IEventPublisher>();
        await using var client = NewClient(server);
        var disposedCalls = 0;
        var keptCalls = 0;
        var firstArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var goingAway = client.On<TaskProgress>((_, _) =>
        {
            disposedCalls++;
            firstArrived.TrySetResult();
        });
        using var staying = client.On<TaskProgress>((_, _) =>
        {
            if (++keptCalls == 5)
            {
                allArrived.TrySetResult();
            }
        });
        await client.StartAsync();
        await publisher.PublishAsync(Events.Progress(1));
        await firstArrived.Task.WaitAsync(TestTimeouts.Wait);

        goingAway.Dispose();
        for (var i = 2; i <= 5; i++)
        {
            await publisher.PublishAsync(Events.Progress(i));
        }
        await allArrived.Task.WaitAsync(TestTimeouts.Wait);

        Assert.Equal(1, disposedCalls);
        Assert.Equal(5, keptCalls);
    }

    [Fact]
    public async Task HundredSubscribersOnOneType_EachGetEveryEvent()
    {
        const int Subscribers = 100;
        const int Total = 1_000;
        await using var server = await RunningServer.StartAsync();
        var publisher = server.Get<IEventPublisher>();
        await using var client = NewClient(server);
        var seen = new List<long>[Subscribers];
        var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscriptions = new List<IDisposable>();
        for (var s = 0; s < Subscribers; s++)
        {
            var mine = seen[s] = new List<long>(Total);
            var isLast = s == Subscribers - 1;
            subscriptions.Add(client.On<TaskProgress>((p, _) =>
            {
                mine.Add(p.Current!.Value);
                if (isLast && mine.Count == Total)
                {
                    last.TrySetResult();
                }
            }));
        }
        await client.StartAsync();

        for (var i = 0; i < Total; i++)
        {
            await publisher.PublishAsync(Events.Progress(i));
        }
        await last.Task.WaitAsync(TestTimeouts.Wait);

        var expected = Enumerable.Range(0, Total).Select(i => (long)i).ToList();
        Assert.All(seen, list => Assert.Equal(expected, list));
        subscriptions.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task ThrowingHandler_StopsNeitherTheOthersNorTheConnection()
    {
        const int Total = 100;
        await using var server = await RunningServer.StartAsync();
        var publisher = server.Get<IEventPublisher>();
        await using var client = NewClient(server);
        var before = 0;
        var after = 0;
        var thrown = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var first = client.Subscribe("task.progress", _ => before++);
        using var throwing = client.On<TaskProgress>((_, _) =>
        {
            thrown++;
            throw new InvalidOperationException("a buggy view");
        });
        using var third = client.Subscribe("task.*", _ =>
        {
            if (++after == Total)
            {
                done.TrySetResult();
            }
        });
        var log = new StatusLog(client);
        await client.StartAsync();

        for (var i = 0; i < Total; i++)
        {
            await publisher.PublishAsync(Events.Progress(i));
        }
        await done.Task.WaitAsync(TestTimeouts.Wait);

        Assert.Equal((Total, Total, Total), (before, thrown, after));
        Assert.Equal([ConnectionState.Connecting, ConnectionState.Connected], log.All.Select(s => s.State));
    }

    [Fact]
    public async Task StreamAsync_YieldsMatchingEventsUntilLeft()
    {
        await using var server = await RunningServer.StartAsync();
        var publisher = server.Get<IEventPublisher>();
        await using var client = NewClient(server);
        await using var stream = client.StreamAsync("task.*").GetAsyncEnumerator();
        var firstMove = stream.MoveNextAsync(); // subscribes now, before the connect
        await client.StartAsync();

        await publisher.PublishAsync(Events.Searched("s1"));
        for (var i = 0; i < 5; i++)
        {
            await publisher.PublishAsync(Events.Progress(i));
        }
        var got = new List<string>();
        Assert.True(await firstMove.AsTask().WaitAsync(TestTimeouts.Wait));
        got.Add(stream.Current.GetData<TaskProgress>()!.Message!);
        while (got.Count < 5 && await stream.MoveNextAsync().AsTask().WaitAsync(TestTimeouts.Wait))
        {
            got.Add(stream.Current.GetData<TaskProgress>()!.Message!);
        }

        Assert.Equal(["step 0", "step 1", "step 2", "step 3", "step 4"], got);
    }

    [Fact]
    public async Task StreamAsync_EndsWhenTheClientIsDisposed()
    {
        await using var server = await RunningServer.StartAsync();
        var client = NewClient(server);
        await using var stream = client.StreamAsync("*").GetAsyncEnumerator();
        var move = stream.MoveNextAsync();
        await client.StartAsync();

        await client.DisposeAsync();

        Assert.False(await move.AsTask().WaitAsync(TestTimeouts.Wait));
        Assert.Equal(ConnectionState.Closed, client.State);
    }
}

/// <summary>A real socket that hands over its first frames and then swallows everything: a server gone silent.</summary>
internal sealed class SilencingWebSocket(ClientWebSocket inner, int framesBeforeSilence) : WebSocket
{
    private readonly byte[] scratch = new byte[64 * 1024];
    private int passed;

    public ClientWebSocket Inner { get; } = inner;

    /// <summary>Completed when a frame was swallowed.</summary>
    public TaskCompletionSource Swallowed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override WebSocketCloseStatus? CloseStatus => Inner.CloseStatus;

    public override string? CloseStatusDescription => Inner.CloseStatusDescription;

    public override WebSocketState State => Inner.State;

    public override string? SubProtocol => Inner.SubProtocol;

    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (passed < framesBeforeSilence)
        {
            var result = await Inner.ReceiveAsync(buffer, cancellationToken);
            if (result.EndOfMessage)
            {
                passed++;
            }
            return result;
        }
        while (true)
        {
            var swallowed = await Inner.ReceiveAsync(scratch.AsMemory(), cancellationToken);
            Swallowed.TrySetResult();
            if (swallowed.MessageType == WebSocketMessageType.Close)
            {
                await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
            }
        }
    }

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await ReceiveAsync(buffer.AsMemory(), cancellationToken);
        return new WebSocketReceiveResult(result.Count, result.MessageType, result.EndOfMessage);
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        Inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        Inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        Inner.CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        Inner.CloseAsync(closeStatus, statusDescription, cancellationToken);

    public override void Abort() => Inner.Abort();

    public override void Dispose() => Inner.Dispose();
}
