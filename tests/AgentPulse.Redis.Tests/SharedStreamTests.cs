using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Redis.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using static AgentPulse.Redis.Tests.Collect;

namespace AgentPulse.Redis.Tests;

/// <summary>Several nodes on one Redis stream: one seq space, the same order everywhere, resume on any node.</summary>
public sealed class SharedStreamTests
{
    [Fact]
    public async Task EventsPublishedOnEitherNode_ReachClientsOnBoth_WithTheSameSeqs_InOrder()
    {
        var prefix = TestRedis.NewPrefix();
        await using var a = await NodeHost.StartAsync(prefix);
        await using var b = await NodeHost.StartAsync(prefix);
        await using var onA = await a.ConnectAsync();
        await using var onB = await b.ConnectAsync();
        var welcomeA = await onA.HandshakeAsync();
        var welcomeB = await onB.HandshakeAsync();
        Assert.Equal(welcomeA.GetProperty("epoch").GetString(), welcomeB.GetProperty("epoch").GetString());

        // 100 from each node at once: Redis orders them.
        var publishes = Enumerable.Range(0, 200)
            .Select(i => (i % 2 == 0 ? a : b).Publisher.PublishAsync(Note($"n{i}")).AsTask())
            .ToList();
        var seqs = (await Task.WhenAll(publishes)).Select(r => r.Seq).Order().ToList();
        Assert.Equal(Range(seqs[0], 200), seqs);

        Assert.Equal(seqs, await onA.SeqsAsync(200));
        Assert.Equal(seqs, await onB.SeqsAsync(200));
    }

    [Fact]
    public async Task TheSameSourceAndId_PublishedOnTwoNodes_GetsOneSeq_AndReachesClientsOnce()
    {
        var prefix = TestRedis.NewPrefix();
        await using var a = await NodeHost.StartAsync(prefix);
        await using var b = await NodeHost.StartAsync(prefix);
        await using var client = await a.ConnectAsync();
        await client.HandshakeAsync();

        var first = await a.Publisher.PublishAsync(Note("same", "/tests/producer"));
        var repeat = await b.Publisher.PublishAsync(Note("same", "/tests/producer"));
        var other = await b.Publisher.PublishAsync(Note("other", "/tests/producer"));

        Assert.False(first.Duplicate);
        Assert.True(repeat.Duplicate);
        Assert.Equal(first.Seq, repeat.Seq);
        Assert.Equal(first.Seq + 1, other.Seq);
        Assert.Equal([first.Seq, other.Seq], await client.SeqsAsync(2));
    }

    [Fact]
    public async Task ABatch_GetsContiguousSeqs_WhileAnotherNodePublishes()
    {
        var prefix = TestRedis.NewPrefix();
        await using var a = await NodeHost.StartAsync(prefix);
        await using var b = await NodeHost.StartAsync(prefix);

        var singles = Enumerable.Range(0, 50).Select(i => b.Publisher.PublishAsync(Note($"s{i}")).AsTask()).ToList();
        var batches = Enumerable.Range(0, 10)
            .Select(n => a.Publisher.PublishAsync(Enumerable.Range(0, 5).Select(i => Note($"b{n}-{i}")).ToList(), EventAudience.Public).AsTask())
            .ToList();
        await Task.WhenAll(singles);
        foreach (var batch in await Task.WhenAll(batches))
        {
            Assert.Equal(Range(batch[0].Seq, 5), batch.Select(r => r.Seq).ToList());
            Assert.All(batch, r => Assert.False(r.Duplicate));
        }
        // A repeat inside one batch is the first one's seq.
        var withRepeat = await a.Publisher.PublishAsync([Note("x"), Note("x"), Note("y")], EventAudience.Public);
        Assert.Equal([withRepeat[0].Seq, withRepeat[0].Seq, withRepeat[0].Seq + 1], withRepeat.Select(r => r.Seq));
        Assert.Equal([false, true, false], withRepeat.Select(r => r.Duplicate));
    }

    [Fact]
    public async Task AClientOfOneNode_ResumesOnAnother_Recovered_WithExactlyWhatItMissed()
    {
        var prefix = TestRedis.NewPrefix();
        await using var a = await NodeHost.StartAsync(prefix);
        await using var b = await NodeHost.StartAsync(prefix);
        long last;
        string epoch;
        await using (var onA = await a.ConnectAsync())
        {
            epoch = (await onA.HandshakeAsync()).GetProperty("epoch").GetString()!;
            for (var i = 0; i < 5; i++)
            {
                await a.Publisher.PublishAsync(Note($"before{i}"));
            }
            last = (await onA.SeqsAsync(5))[^1];
        }
        var missed = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            missed.Add((await a.Publisher.PublishAsync(Note($"missed{i}"))).Seq);
        }

        await using var onB = await b.ConnectAsync($"after={last}&epoch={epoch}");
        var welcome = await onB.HandshakeAsync();
        Assert.True(welcome.GetProperty("recovered").GetBoolean());
        Assert.Equal(epoch, welcome.GetProperty("epoch").GetString());
        Assert.Equal(missed, await onB.SeqsAsync(7));
        var live = await b.Publisher.PublishAsync(Note("live"));
        Assert.Equal([live.Seq], await onB.SeqsAsync(1));
    }

    [Fact]
    public async Task AResumeOlderThanTheMemoryWindow_IsReadFromTheStream_APageAtATime()
    {
        var prefix = TestRedis.NewPrefix();
        await using var a = await NodeHost.StartAsync(prefix);
        var first = (await a.Publisher.PublishAsync(Note("first"))).Seq;
        var epoch = a.Log.Epoch;
        for (var i = 0; i < 40; i++)
        {
            await a.Publisher.PublishAsync(Note($"e{i}"));
        }
        // A node that keeps 4 events in memory and replays 3 at a time.
        await using var b = await NodeHost.StartAsync(prefix, agentPulse: o => o.ReplayBatchSize = 3, redis: o => o.MemoryWindow = 4);
        await using var client = await b.ConnectAsync($"after={first}&epoch={epoch}");
        Assert.True((await client.HandshakeAsync()).GetProperty("recovered").GetBoolean());
        Assert.Equal(Range(first + 1, 40), await client.SeqsAsync(40));
    }

    [Fact]
    public async Task ANodeStartedLater_FoldsTheSameSnapshot_FromTheStream()
    {
        var prefix = TestRedis.NewPrefix();
        await using var a = await NodeHost.StartAsync(prefix);
        await a.Publisher.PublishAsync(new TaskStarted("t1", TaskKinds.DocumentIndex, "Indexing a.md", "indexer", "d1"), "/agents/indexer");
        await a.Publisher.PublishAsync(new TaskProgress("t1", 0.5, "indexing", "chunk 1 of 2", 1, 2), "/agents/indexer");
        await a.Publisher.PublishAsync(new TaskStarted("t2", TaskKinds.Search, "Searching", "searcher", null), "/agents/searcher");
        await a.Publisher.PublishAsync(new TaskCompleted("t2", 12, null), "/agents/searcher");

        await using var b = await NodeHost.StartAsync(prefix);
        var user = new System.Security.Claims.ClaimsPrincipal();
        var onA = a.Tasks.GetSnapshot(user);
        var onB = b.Tasks.GetSnapshot(user);
        Assert.Equal(2, onB.Count);
        Assert.Equal(onA, onB);
        Assert.Equal(0.5, onB.Single(t => t.TaskId == "t1").Progress);
        Assert.Equal(AgentTaskStatus.Completed, onB.Single(t => t.TaskId == "t2").Status);
    }

    [Fact]
    public async Task ARestartedNode_KeepsTheEpoch_AndItsClientResumesRecovered()
    {
        var prefix = TestRedis.NewPrefix();
        string epoch;
        long last;
        await using (var a = await NodeHost.StartAsync(prefix))
        {
            await a.Publisher.PublishAsync(Note("one"));
            last = (await a.Publisher.PublishAsync(Note("two"))).Seq;
            epoch = a.Log.Epoch;
        }
        await using var again = await NodeHost.StartAsync(prefix);
        Assert.Equal(epoch, again.Log.Epoch);
        Assert.Equal(last, again.Log.LastSeq);
        var next = await again.Publisher.PublishAsync(Note("three"));
        Assert.Equal(last + 1, next.Seq);
        await using var client = await again.ConnectAsync($"after={last - 1}&epoch={epoch}");
        Assert.True((await client.HandshakeAsync()).GetProperty("recovered").GetBoolean());
        Assert.Equal([last, last + 1], await client.SeqsAsync(2));
    }

    [Fact]
    public async Task TheStreamKeyDeleted_MakesANewEpoch_ClientsAreToldToResume_AndGetASnapshot()
    {
        var prefix = TestRedis.NewPrefix();
        await using var a = await NodeHost.StartAsync(prefix);
        await using var b = await NodeHost.StartAsync(prefix);
        await using var onA = await a.ConnectAsync();
        await using var onB = await b.ConnectAsync();
        var oldEpoch = (await onA.HandshakeAsync()).GetProperty("epoch").GetString()!;
        await onB.HandshakeAsync();
        var last = (await a.Publisher.PublishAsync(Note("before"))).Seq;
        Assert.Equal([last], await onA.SeqsAsync(1));
        Assert.Equal([last], await onB.SeqsAsync(1));

        await using var redis = await TestRedis.ConnectAsync();
        Assert.True(await redis.GetDatabase().KeyDeleteAsync(a.Log.Keys.Stream));

        // Each node notices (idle, within a second) and tells its clients to resume.
        Assert.Equal(CloseCodes.ServiceRestart, await onA.ClosedAsync());
        Assert.Equal(CloseCodes.ServiceRestart, await onB.ClosedAsync());
        Assert.NotEqual(oldEpoch, a.Log.Epoch);
        Assert.Equal(a.Log.Epoch, b.Log.Epoch);

        await using var resumed = await b.ConnectAsync($"after={last}&epoch={oldEpoch}");
        var welcome = await resumed.HandshakeAsync(); // with its snapshot
        Assert.False(welcome.GetProperty("recovered").GetBoolean());
        Assert.Equal(a.Log.Epoch, welcome.GetProperty("epoch").GetString());
        // The new epoch goes on above every seq given before, and both nodes deliver it.
        var next = await a.Publisher.PublishAsync(Note("after"));
        Assert.True(next.Seq > last);
        Assert.Equal([next.Seq], await resumed.SeqsAsync(1));
    }

    [Fact]
    public async Task ASlowNode_DeliversLate_ButInOrder_AndSkipsNothing()
    {
        var prefix = TestRedis.NewPrefix();
        await using var a = await NodeHost.StartAsync(prefix);
        await using var b = await NodeHost.StartAsync(prefix);
        await using var onA = await a.ConnectAsync();
        await using var onB = await b.ConnectAsync();
        await onA.HandshakeAsync();
        await onB.HandshakeAsync();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Log.BeforeRead = () =>
        {
            held.TrySetResult();
            return hold.Task;
        };
        await held.Task.WaitAsync(WaitLimit);
        var bBefore = b.Log.LastSeq;

        var seqs = new List<long>();
        for (var i = 0; i < 50; i++)
        {
            seqs.Add((await a.Publisher.PublishAsync(Note($"e{i}"))).Seq);
        }
        Assert.Equal(seqs, await onA.SeqsAsync(50));
        Assert.Equal(bBefore, b.Log.LastSeq); // B's reader is behind: nothing reached its clients

        b.Log.BeforeRead = null;
        hold.SetResult();
        Assert.Equal(seqs, await onB.SeqsAsync(50));
    }

    [Fact]
    public async Task WhatANodePublishesWhileItsReaderIsBusy_ReachesFanOutInOneHandOver_InOrder_WithAnotherNodesEvents()
    {
        var prefix = TestRedis.NewPrefix();
        await using var b = await NodeHost.StartAsync(prefix);
        var sink = new RecordingSink();
        await using var log = new RedisEventLog(
            Options.Create(new RedisEventLogOptions { Configuration = TestRedis.Configuration, KeyPrefix = prefix }),
            Options.Create(new AgentPulseOptions()), TimeProvider.System, NullLogger<RedisEventLog>.Instance);
        await log.StartAsync(sink);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        log.BeforeRead = () =>
        {
            held.TrySetResult();
            return hold.Task;
        };
        await held.Task.WaitAsync(WaitLimit);

        // The reader is busy (held, as by fan-out that has not caught up): the node's appends are acknowledged meanwhile.
        var seqs = new List<long>();
        try
        {
            foreach (var (node, id) in new[] { ("own", "o1"), ("own", "o2"), ("b", "b1"), ("own", "o3") })
            {
                seqs.Add(node == "own"
                    ? (await log.AppendAsync([new EventToAppend(Note(id), EventAudience.Public)]))[0].Seq
                    : (await b.Publisher.PublishAsync(Note(id))).Seq);
            }
            Assert.Empty(sink.Batches);
        }
        finally
        {
            log.BeforeRead = null;
            hold.SetResult(); // the reader goes on, and the log can stop, whatever happened above
        }

        // One hand-over: every connection writes the four in one go, not one write per event.
        var batch = Assert.Single(await sink.UntilAsync(seqs[^1]));
        Assert.Equal(seqs, batch);
    }

    /// <summary>A sink that keeps the seqs of each hand-over.</summary>
    private sealed class RecordingSink : IEventLogSink
    {
        private readonly Lock gate = new();
        private readonly List<List<long>> batches = [];
        private TaskCompletionSource<List<List<long>>>? until;
        private long untilSeq;

        public List<List<long>> Batches
        {
            get
            {
                lock (gate)
                {
                    return [.. batches];
                }
            }
        }

        public Task<List<List<long>>> UntilAsync(long seq)
        {
            lock (gate)
            {
                untilSeq = seq;
                until = new TaskCompletionSource<List<List<long>>>(TaskCreationOptions.RunContinuationsAsynchronously);
                Check();
                return until.Task.WaitAsync(WaitLimit);
            }
        }

        public void OnCommitted(IReadOnlyList<LoggedEvent> entries)
        {
            lock (gate)
            {
                batches.Add(entries.Select(e => e.Seq).ToList());
                Check();
            }
        }

        public void OnReset(LogReset reset) => throw new InvalidOperationException($"Unexpected reset: {reset}");

        private void Check()
        {
            if (until is not null && batches.Count > 0 && batches[^1][^1] >= untilSeq)
            {
                until.TrySetResult([.. batches]);
            }
        }
    }

    [Fact]
    public async Task ANodeFallenBehindRetention_NeverSkipsInSilence_ItsClientsResumeToASnapshot()
    {
        var prefix = TestRedis.NewPrefix();
        await using var a = await NodeHost.StartAsync(prefix, agentPulse: o => o.LogRetentionCount = 100);
        await using var b = await NodeHost.StartAsync(prefix, agentPulse: o => o.LogRetentionCount = 100);
        await using var onB = await b.ConnectAsync();
        var epoch = (await onB.HandshakeAsync()).GetProperty("epoch").GetString()!;
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Log.BeforeRead = () =>
        {
            held.TrySetResult();
            return hold.Task;
        };
        await held.Task.WaitAsync(WaitLimit);
        var last = b.Log.LastSeq;

        // Far more than retention (MAXLEN ~ trims whole nodes of 100 entries): the start of what B missed is gone.
        for (var i = 0; i < 10; i++)
        {
            await a.Publisher.PublishAsync(Enumerable.Range(0, 50).Select(n => Note($"e{i}-{n}")).ToList(), EventAudience.Public);
        }
        await using var redis = await TestRedis.ConnectAsync();
        var oldest = (await redis.GetDatabase().StreamRangeAsync(b.Log.Keys.Stream, "-", "+", 1))[0].Id;
        Assert.True(RedisEventLog.ParseSeq(oldest) > last + 1);

        b.Log.BeforeRead = null;
        hold.SetResult();
        // B cannot deliver what it missed: it says so instead of skipping.
        Assert.Equal(CloseCodes.ServiceRestart, await onB.ClosedAsync());
        await using var resumed = await b.ConnectAsync($"after={last}&epoch={epoch}");
        var welcome = await resumed.HandshakeAsync();
        Assert.False(welcome.GetProperty("recovered").GetBoolean());
        Assert.Equal(epoch, welcome.GetProperty("epoch").GetString());
    }
}
