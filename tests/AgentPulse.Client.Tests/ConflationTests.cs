using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Testing;

namespace AgentPulse.Client.Tests;

/// <summary><see cref="AgentPulseClientOptions.ConflateProgressPerSecond"/> against the real server.</summary>
public sealed class ConflationTests
{

    private static CloudEvent Progress(string stage, int i) =>
        CloudEvent.Create(new TaskProgress("t1", i / 2000.0, stage, $"step {i}", i, 2000), "/tests");

    [Fact]
    public async Task AConflatingClient_GetsEveryStagesFirstAndLast_EveryOtherEventOnce_AndTakesNoSkipForLoss()
    {
        await using var server = await RunningServer.StartAsync();
        var publisher = server.Get<IEventPublisher>();
        var uris = new List<Uri>();
        await using var client = new AgentPulseClient(new AgentPulseClientOptions
        {
            Url = server.WebSocketUri(),
            ReconnectPolicy = TestTimeouts.QuickReconnect,
            ConflateProgressPerSecond = 10,
            SocketFactory = async (uri, ct) =>
            {
                lock (uris)
                {
                    uris.Add(uri);
                }
                var socket = new System.Net.WebSockets.ClientWebSocket();
                await socket.ConnectAsync(uri, ct);
                return socket;
            },
        });
        var received = new List<CloudEvent>();
        var resyncs = new List<ResyncReason>();
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var all = client.Subscribe("*", e =>
        {
            lock (received)
            {
                received.Add(e);
            }
            if (e.Type == EventTypes.TaskCompleted)
            {
                completed.TrySetResult();
            }
        });
        client.Resynced += r => resyncs.Add(r.Reason);
        var log = new StatusLog(client);
        await client.StartAsync();

        // Two stages of 1,000 progress events each, published at once; the connection is dropped half way.
        await publisher.PublishAsync(new TaskStarted("t1", "test", "Big job", "tester", null), "/tests");
        await publisher.PublishAsync([.. Enumerable.Range(1, 1000).Select(i => Progress("reading", i))], EventAudience.Public);
        var first = client.Status.ConnectionId!;
        Assert.True(server.Get<IAgentPulseConnections>().Abort(first));
        await log.WaitForAsync(s => s.State == ConnectionState.Connected && s.ConnectionId != first);
        await publisher.PublishAsync([.. Enumerable.Range(1001, 1000).Select(i => Progress("indexing", i))], EventAudience.Public);
        await publisher.PublishAsync(new TaskCompleted("t1", 2000, null), "/tests");
        await completed.Task.WaitAsync(TestTimeouts.Wait);

        List<CloudEvent> events;
        lock (received)
        {
            events = [.. received];
        }
        Assert.All(uris, u => Assert.Contains("conflate=task.progress%3A10", u.Query, StringComparison.Ordinal));
        Assert.Equal([EventTypes.TaskStarted], events.Where(e => e.Type == EventTypes.TaskStarted).Select(e => e.Type));
        Assert.Single(events, e => e.Type == EventTypes.TaskCompleted);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Seq < p.Second.Seq), "seqs strictly increase: no duplicate, in order");
        var steps = events.Where(e => e.Type == EventTypes.TaskProgress).Select(e => e.GetData<TaskProgress>()!.Current!.Value).ToList();
        // The first and the last of each stage always come; between them, only a few.
        Assert.Contains(1L, steps);
        Assert.Contains(1000L, steps);
        Assert.Contains(1001L, steps);
        Assert.Contains(2000L, steps);
        Assert.True(steps.Count < 100, $"{steps.Count} of 2,000 progress events reached the subscriber");
        // The skipped seqs are no loss: the client resumed (no resync), and only the first connect took a snapshot.
        Assert.Equal([ResyncReason.Initial], resyncs);
    }
}
