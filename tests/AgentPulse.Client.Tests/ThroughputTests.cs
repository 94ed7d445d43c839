using System.Diagnostics;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Testing;
using Xunit.Abstractions;

namespace AgentPulse.Client.Tests;

/// <summary>How many events one client takes per second; the figures go to the test output (the bench project owns the real benchmark).</summary>
public sealed class ThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Client_Takes100kFramesFromItsSocket_AllInOrder()
    {
        const int Total = 100_000;
        var frames = new byte[Total][];
        for (var i = 0; i < Total; i++)
        {
            frames[i] = Frames.Event(Events.Progress(i) with { Seq = i + 1 });
        }
        var script = new SocketScript();
        await using var client = new AgentPulseClient(new AgentPulseClientOptions
        {
            Url = new Uri("ws://agentpulse.test/ws/agents"),
            SocketFactory = script.ConnectAsync,
        });
        var count = 0;
        long lastSeq = 0;
        var inOrder = true;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = client.On<TaskProgress>((_, e) =>
        {
            inOrder &= e.Seq == lastSeq + 1;
            lastSeq = e.Seq;
            if (++count == Total)
            {
                done.TrySetResult();
            }
        });
        var start = client.StartAsync();
        var socket = await script.NextOpenedAsync();
        socket.PushWelcome();
        await start.WaitAsync(TestTimeouts.Wait);

        var clock = Stopwatch.StartNew();
        foreach (var frame in frames)
        {
            socket.Push(frame);
        }
        await done.Task.WaitAsync(TestTimeouts.Wait * 3); // a bound for a loaded machine, not a target
        clock.Stop();

        Assert.Equal(Total, count);
        Assert.True(inOrder);
        output.WriteLine($"client alone: {Total} events in {clock.ElapsedMilliseconds} ms = {Total / clock.Elapsed.TotalSeconds:N0} events/s");
    }

    [Fact]
    public async Task Client_KeepsUpWithTheRealServer_AllInOrder()
    {
        const int Total = 50_000;
        // Room for every event in the server's queue and log: an in-process publisher outruns any reader, and
        // this test measures delivery, not the drop (4008) and resync that a too-small queue and log cause.
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?>
        {
            ["AgentPulse:SendQueueCapacity"] = "100000",
            ["AgentPulse:LogRetentionCount"] = "100000",
        });
        var publisher = server.Get<IEventPublisher>();
        await using var client = new AgentPulseClient(server.WebSocketUri());
        var count = 0;
        long lastSeq = 0;
        var inOrder = true;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = client.On<TaskProgress>((_, e) =>
        {
            inOrder &= e.Seq > lastSeq;
            lastSeq = e.Seq;
            if (++count == Total)
            {
                done.TrySetResult();
            }
        });
        var log = new StatusLog(client);
        await client.StartAsync();
        var events = Enumerable.Range(0, Total).Select(i => Events.Progress(i)).ToArray();

        var clock = Stopwatch.StartNew();
        foreach (var cloudEvent in events)
        {
            await publisher.PublishAsync(cloudEvent);
        }
        await done.Task.WaitAsync(TestTimeouts.Wait * 3); // a bound for a loaded machine, not a target
        clock.Stop();

        Assert.Equal(Total, count);
        Assert.True(inOrder);
        var reconnects = log.All.Count(s => s.State == ConnectionState.Connected) - 1;
        output.WriteLine($"server and client in one process: {Total} events in {clock.ElapsedMilliseconds} ms = {Total / clock.Elapsed.TotalSeconds:N0} events/s, {reconnects} reconnects");
    }
}
