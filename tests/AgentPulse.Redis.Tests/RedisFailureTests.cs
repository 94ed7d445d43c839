using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Testing;
using static AgentPulse.Redis.Tests.Collect;

namespace AgentPulse.Redis.Tests;

/// <summary>Redis taken away mid-stream (a redis-server of the test's own, by its PID): each failure has a defined behaviour.</summary>
public sealed class RedisFailureTests
{
    private static void FastHeartbeats(AgentPulseOptions options) => options.HeartbeatInterval = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task RedisUnreachable_PublishFailsClearly_ClientsKeepHeartbeats_ThenReadersGoOnWithoutAGap()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var prefix = TestRedis.NewPrefix();
        await using var a = await NodeHost.StartAsync(prefix, redis.Configuration, FastHeartbeats);
        await using var b = await NodeHost.StartAsync(prefix, redis.Configuration, FastHeartbeats);
        await using var onA = await a.ConnectAsync();
        await using var onB = await b.ConnectAsync();
        // Hears nothing but heartbeats: the test's clock while Redis comes back.
        await using var pacer = await a.ConnectAsync("types=session.none");
        var epoch = (await onA.HandshakeAsync()).GetProperty("epoch").GetString()!;
        await onB.HandshakeAsync();
        await pacer.HandshakeAsync();
        var before = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            before.Add((await a.Publisher.PublishAsync(Note($"before{i}"))).Seq);
        }
        Assert.Equal(before, await onA.SeqsAsync(3));
        Assert.Equal(before, await onB.SeqsAsync(3));

        await redis.KillAsync();

        var refused = await Assert.ThrowsAsync<EventLogUnavailableException>(() => b.Publisher.PublishAsync(Note("while-down")).AsTask());
        Assert.Contains("unreachable", refused.Message, StringComparison.Ordinal);
        // Connected clients stay, and hear heartbeats that carry the last seq they were sent.
        foreach (var client in new[] { onA, onB })
        {
            for (var i = 0; i < 2; i++)
            {
                var heartbeat = await client.ReceiveAsync(WaitLimit);
                Assert.Equal("session.heartbeat", heartbeat!.Value.Type());
                Assert.Equal(before[^1], heartbeat.Value.Data().GetProperty("seq").GetInt64());
            }
        }

        await redis.RestartAsync(empty: false);
        var after = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            after.Add((await PublishWhenBackAsync(i % 2 == 0 ? b : a, Note($"after{i}"), pacer)).Seq);
        }
        // Nothing stored while down, nothing skipped: the seqs go on from where they were, on both nodes.
        Assert.Equal(Range(before[^1] + 1, 3), after);
        Assert.Equal(after, await onA.SeqsAsync(3));
        Assert.Equal(after, await onB.SeqsAsync(3));
        Assert.Equal(epoch, a.Log.Epoch);
        Assert.Equal(epoch, b.Log.Epoch);
    }

    [Fact]
    public async Task RedisRestartedEmpty_MakesANewEpoch_ClientsAreToldToResume_AndGetASnapshot()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var prefix = TestRedis.NewPrefix();
        await using var a = await NodeHost.StartAsync(prefix, redis.Configuration);
        await using var b = await NodeHost.StartAsync(prefix, redis.Configuration);
        await using var onA = await a.ConnectAsync();
        await using var onB = await b.ConnectAsync();
        var oldEpoch = (await onA.HandshakeAsync()).GetProperty("epoch").GetString()!;
        await onB.HandshakeAsync();
        await a.Publisher.PublishAsync(new TaskStarted("t1", TaskKinds.DocumentIndex, "Indexing a.md", "indexer", "d1"), "/agents/indexer");
        var last = (await b.Publisher.PublishAsync(Note("before"))).Seq;
        Assert.Equal([last - 1, last], await onA.SeqsAsync(2));
        Assert.Equal([last - 1, last], await onB.SeqsAsync(2));

        await redis.RestartAsync(empty: true);

        // Never silence: every client is told to resume.
        Assert.Equal(CloseCodes.ServiceRestart, await onA.ClosedAsync());
        Assert.Equal(CloseCodes.ServiceRestart, await onB.ClosedAsync());
        Assert.NotEqual(oldEpoch, a.Log.Epoch);
        Assert.Equal(a.Log.Epoch, b.Log.Epoch);

        await using var resumed = await b.ConnectAsync($"after={last}&epoch={oldEpoch}");
        var welcome = await resumed.ReceiveFrameAsync(WaitLimit);
        Assert.False(welcome.Data().GetProperty("recovered").GetBoolean());
        Assert.Equal(b.Log.Epoch, welcome.Data().GetProperty("epoch").GetString());
        // The snapshot still has what the nodes folded before Redis was lost.
        var snapshot = await resumed.ReceiveFrameAsync(WaitLimit);
        Assert.Equal("session.snapshot", snapshot.Type());
        Assert.Equal("t1", snapshot.Data().GetProperty("tasks")[0].GetProperty("taskId").GetString());
        // The new epoch goes on above every seq given before.
        var next = await a.Publisher.PublishAsync(Note("after"));
        Assert.True(next.Seq > last);
        Assert.Equal([next.Seq], await resumed.SeqsAsync(1));
    }

    /// <summary>Publishes once the node has Redis again: a refused publish is retried at the next heartbeat of <paramref name="pacer"/>.</summary>
    private static async Task<PublishResult> PublishWhenBackAsync(NodeHost node, CloudEvent cloudEvent, RawClient pacer)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await node.Publisher.PublishAsync(cloudEvent);
            }
            catch (EventLogUnavailableException) when (attempt < 60)
            {
                Assert.Equal("session.heartbeat", (await pacer.ReceiveAsync(WaitLimit))!.Value.Type());
            }
        }
    }
}
