using System.Net.WebSockets;
using AgentPulse.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.Client.Tests;

/// <summary>The connection loop on a fake clock against a scripted server: backoff, give-up, reset, close codes, silence.</summary>
public sealed class ReconnectTests
{
    private const double Sample = 0.5; // equal jitter at 0.5 waits three quarters of the full delay

    private static AgentPulseClient NewClient(SocketScript script, FakeTimeProvider time, Action<AgentPulseClientOptions>? configure = null)
    {
        var options = new AgentPulseClientOptions
        {
            Url = new Uri("ws://agentpulse.test/ws/agents"),
            TimeProvider = time,
            Random = () => Sample,
            SocketFactory = script.ConnectAsync,
        };
        configure?.Invoke(options);
        return new AgentPulseClient(options);
    }

    private static TimeSpan Expected(int attempt) => TimeSpan.FromMilliseconds(1_000 * Math.Pow(2, attempt - 1) * 0.75);

    [Fact]
    public async Task FirstConnect_RefusedEveryTime_GivesUpAfterFiveAttemptsWithTheReason()
    {
        var script = new SocketScript { Refuse = _ => true };
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time);
        var log = new StatusLog(client);

        var start = client.StartAsync();

        Assert.Equal(new ConnectionStatus(ConnectionState.Connecting), await log.NextAsync());
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var waiting = await log.NextAsync();
            Assert.Equal(new ConnectionStatus(ConnectionState.Connecting, attempt, Expected(attempt), DisconnectReason.ConnectFailed), waiting.WithoutException());
            Assert.Equal("refused", waiting.Exception?.Message);
            Assert.Equal(attempt, script.Calls);
            time.Advance(waiting.NextDelay!.Value);
        }
        var gaveUp = await log.NextAsync();
        Assert.Equal(new ConnectionStatus(ConnectionState.Disconnected, 5, null, DisconnectReason.ConnectFailed) { GaveUp = true }, gaveUp.WithoutException());
        Assert.IsType<WebSocketException>(gaveUp.Exception);
        Assert.Equal(ConnectionState.Disconnected, client.State);
        var error = await Assert.ThrowsAsync<AgentPulseException>(() => start);
        Assert.Equal(gaveUp, error.Status);
        Assert.Same(gaveUp.Exception, error.InnerException);
        Assert.Equal("The AgentPulse client gave up after 5 attempts; the last ended with ConnectFailed: refused.", error.Message);
        Assert.Equal(6, script.Calls);
    }

    [Fact]
    public async Task FirstConnect_RefusedTwice_IsRetriedAndConnects()
    {
        var script = new SocketScript { Refuse = index => index < 2 };
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time);
        var log = new StatusLog(client);

        var start = client.StartAsync();
        time.Advance((await log.WaitForAsync(s => s.Attempt == 1)).NextDelay!.Value);
        time.Advance((await log.WaitForAsync(s => s.Attempt == 2)).NextDelay!.Value);
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome(connectionId: "c9");
        await start.WaitAsync(TestTimeouts.Wait);

        Assert.Equal(new ConnectionStatus(ConnectionState.Connected, ConnectionId: "c9"), await log.NextAsync());
        Assert.Equal(3, script.Calls);
    }

    [Fact]
    public async Task Reconnect_AfterASuccessfulConnect_CountsFromTheFirstAttemptAgain()
    {
        // Refused, refused, accepted, then refused again after the drop.
        var script = new SocketScript { Refuse = index => index is 0 or 1 or 3 };
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time);
        var log = new StatusLog(client);

        var start = client.StartAsync();
        time.Advance((await log.WaitForAsync(s => s.Attempt == 1)).NextDelay!.Value);
        time.Advance((await log.WaitForAsync(s => s.Attempt == 2)).NextDelay!.Value);
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome();
        await start.WaitAsync(TestTimeouts.Wait);
        await log.WaitForAsync(s => s.State == ConnectionState.Connected);

        socket.Abort(); // the network fails
        var first = await log.NextAsync();
        Assert.Equal(new ConnectionStatus(ConnectionState.Reconnecting, 1, Expected(1), DisconnectReason.ConnectionLost, CloseCodes.Abnormal), first.WithoutException());
        Assert.IsType<WebSocketException>(first.Exception);
        time.Advance(first.NextDelay!.Value);
        var second = await log.NextAsync();
        Assert.Equal(new ConnectionStatus(ConnectionState.Reconnecting, 2, Expected(2), DisconnectReason.ConnectFailed, CloseCodes.Abnormal), second.WithoutException());
    }

    [Fact]
    public async Task ReconnectNow_WhileWaiting_ConnectsAtOnceAndStartsOver()
    {
        var script = new SocketScript { Refuse = _ => true };
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time);
        var log = new StatusLog(client);
        var start = client.StartAsync();
        time.Advance((await log.WaitForAsync(s => s.Attempt == 1)).NextDelay!.Value);
        time.Advance((await log.WaitForAsync(s => s.Attempt == 2)).NextDelay!.Value);
        Assert.Equal(Expected(3), (await log.WaitForAsync(s => s.Attempt == 3)).NextDelay);
        Assert.Equal(3, script.Calls);

        await client.ReconnectNowAsync(); // the clock does not move

        Assert.Equal(new ConnectionStatus(ConnectionState.Connecting, 0, null, DisconnectReason.ConnectFailed), (await log.NextAsync()).WithoutException());
        Assert.Equal(new ConnectionStatus(ConnectionState.Connecting, 1, Expected(1), DisconnectReason.ConnectFailed), (await log.NextAsync()).WithoutException());
        Assert.Equal(4, script.Calls);
        await client.StopAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start);
    }

    [Fact]
    public async Task ReconnectNow_AfterGivingUp_StartsOverAndConnects()
    {
        var script = new SocketScript { Refuse = index => index < 6 };
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time);
        var log = new StatusLog(client);
        var start = client.StartAsync();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            time.Advance((await log.WaitForAsync(s => s.Attempt == attempt && s.NextDelay is not null)).NextDelay!.Value);
        }
        await log.WaitForAsync(s => s.State == ConnectionState.Disconnected);
        await Assert.ThrowsAsync<AgentPulseException>(() => start);

        await client.ReconnectNowAsync();
        (await script.NextOpenedAsync()).PushWelcome();

        // The retry keeps the reason it retries; it has not given up.
        Assert.Equal(new ConnectionStatus(ConnectionState.Connecting, 0, null, DisconnectReason.ConnectFailed), (await log.NextAsync()).WithoutException());
        Assert.Equal(new ConnectionStatus(ConnectionState.Connected, ConnectionId: "c1"), await log.NextAsync());
        Assert.Equal(7, script.Calls);
    }

    [Fact]
    public async Task SilentServer_IsDroppedAfterTwiceItsHeartbeat()
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time);
        var log = new StatusLog(client);
        var start = client.StartAsync();
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome(heartbeatSeconds: 15);
        await start.WaitAsync(TestTimeouts.Wait);
        await log.WaitForAsync(s => s.State == ConnectionState.Connected);

        time.Advance(TimeSpan.FromSeconds(30)); // the server says nothing, not even a heartbeat

        var left = await log.NextAsync();
        Assert.Equal(new ConnectionStatus(ConnectionState.Reconnecting, 1, Expected(1), DisconnectReason.HeartbeatTimeout, CloseCodes.Abnormal), left.WithoutException());
        Assert.Equal("no frame from the server for 30 s", Assert.IsType<TimeoutException>(left.Exception).Message);
        await socket.Aborted.Task.WaitAsync(TestTimeouts.Wait);
    }

    [Fact]
    public async Task Heartbeat_AnyFrame_PushesTheTimeoutBack()
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time, o => o.HeartbeatTimeout = TimeSpan.FromSeconds(30));
        var delivered = System.Threading.Channels.Channel.CreateUnbounded<long>();
        client.Subscribe("*", e => delivered.Writer.TryWrite(e.Seq));
        var log = new StatusLog(client);
        var start = client.StartAsync();
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome(heartbeatSeconds: 1); // the option wins over twice the server's interval
        await start.WaitAsync(TestTimeouts.Wait);

        time.Advance(TimeSpan.FromSeconds(20));
        socket.PushEvent(1);
        Assert.Equal(1, await delivered.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait)); // the frame was read
        time.Advance(TimeSpan.FromSeconds(29)); // 49 s since the welcome, 29 s since the last frame
        Assert.False(socket.Aborted.Task.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1)); // 30 s of silence

        Assert.True(socket.Aborted.Task.IsCompleted);
        Assert.Equal(DisconnectReason.HeartbeatTimeout, (await log.WaitForAsync(s => s.State == ConnectionState.Reconnecting)).Reason);
    }

    [Fact]
    public async Task ServerThatAcceptsButNeverWelcomes_IsDroppedAfterTheConnectTimeout()
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time, o => o.ConnectTimeout = TimeSpan.FromSeconds(10));
        var log = new StatusLog(client);
        _ = client.StartAsync();
        var socket = await script.NextOpenedAsync();
        await log.WaitForAsync(s => s.State == ConnectionState.Connecting);

        time.Advance(TimeSpan.FromSeconds(10));

        var left = await log.NextAsync();
        Assert.Equal(new ConnectionStatus(ConnectionState.Connecting, 1, Expected(1), DisconnectReason.ConnectTimeout, CloseCodes.Abnormal), left.WithoutException());
        Assert.Equal("no welcome within 10 s", Assert.IsType<TimeoutException>(left.Exception).Message);
        await socket.Aborted.Task.WaitAsync(TestTimeouts.Wait);
    }

    [Theory]
    [InlineData(CloseCodes.Unauthorized, "token expired", DisconnectReason.Unauthorized)]
    [InlineData(CloseCodes.Normal, "bye", DisconnectReason.ClosedByServer)]
    [InlineData(CloseCodes.PolicyViolation, "too many invalid frames", DisconnectReason.PolicyViolation)]
    [InlineData(CloseCodes.MessageTooBig, "frame over 16384 bytes", DisconnectReason.MessageTooBig)]
    public async Task ServerClose_WithAnEndingCode_LeavesTheClientDisconnected(int code, string text, DisconnectReason reason)
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time);
        var log = new StatusLog(client);
        var start = client.StartAsync();
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome();
        await start.WaitAsync(TestTimeouts.Wait);
        await log.WaitForAsync(s => s.State == ConnectionState.Connected);

        socket.PushClose(code, text);

        Assert.Equal(new ConnectionStatus(ConnectionState.Disconnected, 0, null, reason, code, text), await log.NextAsync());
        Assert.Equal(((WebSocketCloseStatus)code, (string?)""), await socket.ClientClosed.Task.WaitAsync(TestTimeouts.Wait));
        Assert.Equal(1, script.Calls);
    }

    [Theory]
    [InlineData(CloseCodes.GoingAway, "server shutting down", DisconnectReason.ServerGoingAway)]
    [InlineData(CloseCodes.SlowConsumer, "slow consumer: resume with after", DisconnectReason.SlowConsumer)]
    [InlineData(1011, "oops", DisconnectReason.OtherCloseCode)]
    public async Task ServerClose_WithAPassingCode_Reconnects(int code, string text, DisconnectReason reason)
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time);
        var log = new StatusLog(client);
        var start = client.StartAsync();
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome();
        await start.WaitAsync(TestTimeouts.Wait);
        await log.WaitForAsync(s => s.State == ConnectionState.Connected);

        socket.PushClose(code, text);
        var waiting = await log.NextAsync();
        time.Advance(waiting.NextDelay!.Value);
        (await script.NextOpenedAsync()).PushWelcome(recovered: true, connectionId: "c2");

        Assert.Equal(new ConnectionStatus(ConnectionState.Reconnecting, 1, Expected(1), reason, code, text), waiting);
        Assert.Equal(new ConnectionStatus(ConnectionState.Connected, 0, null, null, code, text, "c2"), await log.NextAsync());
    }

    [Fact]
    public async Task Stop_ClosesWithNormalClosure_AndDisposeEndsClosed()
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        var client = NewClient(script, time);
        var log = new StatusLog(client);
        var start = client.StartAsync();
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome();
        await start.WaitAsync(TestTimeouts.Wait);

        await client.StopAsync();

        Assert.Equal((WebSocketCloseStatus.NormalClosure, (string?)"client closing"), await socket.ClientClosed.Task);
        Assert.Equal(ConnectionState.Disconnected, client.State);
        Assert.Equal(DisconnectReason.Stopped, client.Status.Reason);
        await client.DisposeAsync();
        Assert.Equal(ConnectionState.Closed, client.State);
        Assert.Equal(
            [ConnectionState.Connecting, ConnectionState.Connected, ConnectionState.Disconnected, ConnectionState.Closed],
            log.All.Select(s => s.State));
    }

    [Fact]
    public async Task Resume_PassesAfterAndEpoch_AndDropsDuplicates()
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time, o => o.ReconnectPolicy = new ExponentialBackoffReconnectPolicy { InitialDelay = TimeSpan.Zero });
        var seen = new List<long>();
        var fourth = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Subscribe("task.*", e =>
        {
            seen.Add(e.Seq);
            if (e.Seq == 4)
            {
                fourth.TrySetResult();
            }
        });
        var start = client.StartAsync();
        var first = await script.NextOpenedAsync();
        first.PushWelcome(epoch: "e1", seq: 0);
        first.PushEvent(1);
        first.PushEvent(2);
        first.PushEvent(3);
        await start.WaitAsync(TestTimeouts.Wait);

        first.Abort();
        var second = await script.NextOpenedAsync();
        second.PushWelcome(epoch: "e1", seq: 4, recovered: true, connectionId: "c2");
        second.PushEvent(2); // a server that replays too much
        second.PushEvent(3);
        second.PushEvent(4);
        await fourth.Task.WaitAsync(TestTimeouts.Wait);

        Assert.Equal("ws://agentpulse.test/ws/agents?types=task.%2A", first.Uri.AbsoluteUri);
        Assert.Equal("ws://agentpulse.test/ws/agents?types=task.%2A&after=3&epoch=e1", second.Uri.AbsoluteUri);
        Assert.Equal([1L, 2L, 3L, 4L], seen);
        Assert.Equal(4, client.LastSeq);
    }

    [Fact]
    public async Task Subscriptions_KeepTheServerFilterEqualToTheirUnion()
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time);
        var start = client.StartAsync();
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome();
        await start.WaitAsync(TestTimeouts.Wait);

        var progress = client.On<TaskProgress>((_, _) => { });
        Assert.Equal("""{"op":"subscribe","types":["task.progress"]}""", await socket.NextSentAsync());
        Assert.Equal("""{"op":"unsubscribe","types":["session.none"]}""", await socket.NextSentAsync());
        var tasks = client.Subscribe("task.*", _ => { });
        Assert.Equal("""{"op":"subscribe","types":["task.*"]}""", await socket.NextSentAsync());
        var again = client.On<TaskProgress>((_, _) => { }); // already in the union: nothing to send
        progress.Dispose();
        again.Dispose();
        Assert.Equal("""{"op":"unsubscribe","types":["task.progress"]}""", await socket.NextSentAsync());
        tasks.Dispose();
        Assert.Equal("""{"op":"subscribe","types":["session.none"]}""", await socket.NextSentAsync());
        Assert.Equal("""{"op":"unsubscribe","types":["task.*"]}""", await socket.NextSentAsync());

        Assert.Equal("ws://agentpulse.test/ws/agents?types=session.none", socket.Uri.AbsoluteUri);
    }

    [Fact]
    public async Task Connect_CarriesTheUnionAndAFreshAccessTokenEachTime()
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        var tokens = 0;
        await using var client = NewClient(script, time, o =>
        {
            o.Url = new Uri("http://agentpulse.test/ws/agents?tenant=a");
            o.Types.Add("search.completed");
            o.AccessTokenProvider = _ => ValueTask.FromResult<string?>($"token {++tokens}");
            o.ReconnectPolicy = new ExponentialBackoffReconnectPolicy { InitialDelay = TimeSpan.Zero };
        });
        using var subscription = client.Subscribe("task.*", _ => { });
        var start = client.StartAsync();
        var first = await script.NextOpenedAsync();
        first.PushWelcome(epoch: "e1", seq: 7);
        await start.WaitAsync(TestTimeouts.Wait);

        first.Abort();
        var second = await script.NextOpenedAsync();

        Assert.Equal("ws://agentpulse.test/ws/agents?tenant=a&types=search.completed%2Ctask.%2A&access_token=token%201", first.Uri.AbsoluteUri);
        Assert.Equal("ws://agentpulse.test/ws/agents?tenant=a&types=search.completed%2Ctask.%2A&after=7&epoch=e1&access_token=token%202", second.Uri.AbsoluteUri);
    }

    [Fact]
    public async Task Resync_ReportsInitialThenGap_AndTakesTheWelcomeSeq()
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time, o => o.ReconnectPolicy = new ExponentialBackoffReconnectPolicy { InitialDelay = TimeSpan.Zero });
        var resyncs = System.Threading.Channels.Channel.CreateUnbounded<ResyncEventArgs>();
        client.Resynced += r => resyncs.Writer.TryWrite(r);
        var seen = new List<long>();
        var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Subscribe("*", e =>
        {
            seen.Add(e.Seq);
            if (e.Seq == 501)
            {
                last.TrySetResult();
            }
        });
        var start = client.StartAsync();
        var first = await script.NextOpenedAsync();
        first.PushWelcome(epoch: "e1", seq: 10);
        first.PushEvent(11);
        await start.WaitAsync(TestTimeouts.Wait);

        first.Abort();
        var second = await script.NextOpenedAsync();
        second.PushWelcome(epoch: "e1", seq: 500, recovered: false); // the gap is older than the log keeps
        second.PushEvent(501);
        await last.Task.WaitAsync(TestTimeouts.Wait);

        Assert.Equal(new ResyncEventArgs(ResyncReason.Initial, "e1", 10, []), await resyncs.Reader.ReadAsync(), ResyncComparer.Instance);
        Assert.Equal(new ResyncEventArgs(ResyncReason.Gap, "e1", 500, []), await resyncs.Reader.ReadAsync(), ResyncComparer.Instance);
        Assert.Equal([11L, 501L], seen);
        Assert.Equal("ws://agentpulse.test/ws/agents?types=%2A&after=11&epoch=e1", second.Uri.AbsoluteUri);
    }

    [Fact]
    public async Task StartAfterStop_ResumesAfterTheLastEventSeen()
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time);
        var start = client.StartAsync();
        var first = await script.NextOpenedAsync();
        first.PushWelcome(epoch: "e1", seq: 41);
        await start.WaitAsync(TestTimeouts.Wait);
        await client.StopAsync();

        var again = client.StartAsync();
        var second = await script.NextOpenedAsync();
        second.PushWelcome(epoch: "e1", seq: 41, recovered: true, connectionId: "c2");
        await again.WaitAsync(TestTimeouts.Wait);

        Assert.Equal("ws://agentpulse.test/ws/agents?types=session.none&after=41&epoch=e1", second.Uri.AbsoluteUri);
        Assert.Equal(new ConnectionStatus(ConnectionState.Connected, ConnectionId: "c2"), client.Status);
    }

    [Fact]
    public async Task ReconnectNow_WhileConnected_ChecksTheConnectionAndKeepsItWhenTheServerAnswers()
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time);
        var delivered = System.Threading.Channels.Channel.CreateUnbounded<long>();
        client.Subscribe("*", e => delivered.Writer.TryWrite(e.Seq));
        var log = new StatusLog(client);
        var start = client.StartAsync();
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome();
        await start.WaitAsync(TestTimeouts.Wait);

        await client.ReconnectNowAsync();
        Assert.Equal("""{"op":"ping","id":"liveness"}""", await socket.NextSentAsync());
        socket.Push(Frames.Pong("liveness"));
        socket.PushEvent(1);
        Assert.Equal(1, await delivered.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait)); // the pong was read before it
        time.Advance(AgentPulseClient.ProbeTimeout);
        Assert.False(socket.Aborted.Task.IsCompleted);

        socket.Abort(); // a later drop waits as the policy says: the request above was not kept for it
        await log.WaitForAsync(s => s.State == ConnectionState.Connected);
        Assert.Equal(new ConnectionStatus(ConnectionState.Reconnecting, 1, Expected(1), DisconnectReason.ConnectionLost, CloseCodes.Abnormal), (await log.NextAsync()).WithoutException());
        Assert.Equal(1, script.Calls);
    }

    [Fact]
    public async Task ReconnectNow_WhileConnectedToADeadSocket_DropsItAfterTheLivenessCheck()
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time);
        var log = new StatusLog(client);
        var start = client.StartAsync();
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome(heartbeatSeconds: 15);
        await start.WaitAsync(TestTimeouts.Wait);

        await client.ReconnectNowAsync(); // the page became visible after a sleep; the server is gone
        Assert.Equal("""{"op":"ping","id":"liveness"}""", await socket.NextSentAsync());
        time.Advance(AgentPulseClient.ProbeTimeout); // long before the heartbeat timeout (30 s)

        Assert.True(socket.Aborted.Task.IsCompleted);
        await log.WaitForAsync(s => s.State == ConnectionState.Connected);
        Assert.Equal(new ConnectionStatus(ConnectionState.Reconnecting, 1, Expected(1), DisconnectReason.LivenessCheckFailed, CloseCodes.Abnormal), (await log.NextAsync()).WithoutException());
    }

    [Fact]
    public async Task PolicyThatThrows_GivesUpInsteadOfStoppingTheLoop()
    {
        var script = new SocketScript { Refuse = _ => true };
        var time = new FakeTimeProvider();
        await using var client = NewClient(script, time, o => o.ReconnectPolicy = new ThrowingPolicy());
        var log = new StatusLog(client);

        var error = await Assert.ThrowsAsync<AgentPulseException>(() => client.StartAsync());

        Assert.Equal(new ConnectionStatus(ConnectionState.Disconnected, 0, null, DisconnectReason.ConnectFailed) { GaveUp = true }, error.Status!.WithoutException());
        await client.ReconnectNowAsync(); // the loop is still there to retry
        await log.WaitForAsync(s => s.State == ConnectionState.Disconnected);
        Assert.Equal(new ConnectionStatus(ConnectionState.Connecting, 0, null, DisconnectReason.ConnectFailed), (await log.NextAsync()).WithoutException());
    }

    [Fact]
    public async Task DisposeAsync_FromAHandler_ClosesTheClientWithoutWaitingForItself()
    {
        var script = new SocketScript();
        var time = new FakeTimeProvider();
        var client = NewClient(script, time);
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Subscribe("*", async e =>
        {
            await client.DisposeAsync();
            disposed.TrySetResult();
        });
        var start = client.StartAsync();
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome();
        socket.PushEvent(1);

        await disposed.Task.WaitAsync(TestTimeouts.Wait);

        await start.WaitAsync(TestTimeouts.Wait);
        Assert.Equal(ConnectionState.Closed, client.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, (await socket.ClientClosed.Task).Code);
        await client.DisposeAsync(); // again: nothing to do
    }

    private sealed class ThrowingPolicy : IReconnectPolicy
    {
        public TimeSpan? NextDelay(ReconnectContext context) => throw new InvalidOperationException("a bad policy");
    }

    private sealed class ResyncComparer : IEqualityComparer<ResyncEventArgs>
    {
        public static readonly ResyncComparer Instance = new();

        public bool Equals(ResyncEventArgs? x, ResyncEventArgs? y) =>
            x is not null && y is not null && (x.Reason, x.Epoch, x.Seq) == (y.Reason, y.Epoch, y.Seq) && x.Tasks.SequenceEqual(y.Tasks);

        public int GetHashCode(ResyncEventArgs obj) => obj.Seq.GetHashCode();
    }

    [Fact]
    public void Options_AreValidated()
    {
        Assert.Throws<ArgumentException>(() => new AgentPulseClient(new AgentPulseClientOptions()));
        Assert.Throws<ArgumentException>(() => new AgentPulseClient(new AgentPulseClientOptions { Url = new Uri("ftp://x/") }));
        var badType = new AgentPulseClientOptions { Url = new Uri("ws://x/") };
        badType.Types.Add("task*");
        Assert.Throws<ArgumentException>(() => new AgentPulseClient(badType));
        Assert.Throws<ArgumentException>(() => new AgentPulseClient(new AgentPulseClientOptions { Url = new Uri("ws://x/"), HeartbeatTimeout = TimeSpan.Zero }));
    }
}
