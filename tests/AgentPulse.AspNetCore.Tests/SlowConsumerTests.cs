using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using AgentPulse.AspNetCore;
using AgentPulse.Testing;

namespace AgentPulse.AspNetCore.Tests;

/// <summary>Run over HTTP/1.1 and HTTP/2: both go through the same frame sink.</summary>
public abstract class SlowConsumerTests(bool http2)
{
    private Task<LibraryHost> StartAsync(IDictionary<string, string?>? settings = null) => LibraryHost.StartAsync(settings, http2: http2);

    [Fact]
    public async Task ClientThatNeverReads_IsClosedWith4008_WhileAnotherGetsEveryEvent()
    {
        const int Count = 4_000;
        await using var server = await StartAsync(new Dictionary<string, string?>
        {
            ["AgentPulse:SendQueueCapacity"] = "64",
            ["AgentPulse:LogRetentionCount"] = "500",
            ["AgentPulse:CloseTimeout"] = "00:01:00",
        });
        var overflows = 0L;
        var meters = server.Get<IMeterFactory>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "agentpulse.queue.overflows")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref overflows, value));
        listener.Start();

        await using var slow = await server.ConnectAsync();
        await slow.HandshakeAsync();
        await using var fast = await server.ConnectAsync();
        await fast.HandshakeAsync();

        // 8 KB events: 32 MB in all, more than the socket buffers between server and the stalled
        // client hold. The publisher keeps at most 200 ahead of the reading client, well within the
        // retention of 500, so only the stalled one can fall out of the log.
        var received = 0;
        using var progressed = new SemaphoreSlim(0);
        var receiving = Task.Run(async () =>
        {
            var seqs = new List<long>(Count);
            while (seqs.Count < Count)
            {
                seqs.Add((await fast.EventsAsync(1))[0].Seq());
                Volatile.Write(ref received, seqs.Count);
                progressed.Release();
            }
            return seqs;
        });
        var publisher = server.Get<IEventPublisher>();
        for (var i = 1; i <= Count; i++)
        {
            while (i - Volatile.Read(ref received) > 200)
            {
                await progressed.WaitAsync(TimeSpan.FromSeconds(30));
            }
            await publisher.PublishAsync(StreamingTests.Progress(i, padding: 8 * 1024));
        }
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (long)i), await receiving);

        // Now the slow one reads: what its socket buffers held, then the close.
        var slowReceived = 0;
        while (await slow.ReceiveAsync() is { } frame)
        {
            Assert.Equal(++slowReceived, frame.Seq());
        }
        Assert.Equal((WebSocketCloseStatus)4008, slow.Socket.CloseStatus);
        Assert.InRange(slowReceived, 1, Count - 500);
        Assert.Equal(1, Interlocked.Read(ref overflows));
        var next = await server.Get<IEventPublisher>().PublishAsync(StreamingTests.Progress(Count + 1));
        Assert.Equal(next.Seq, (await fast.EventsAsync(1))[0].Seq());
    }

    [Fact]
    public async Task BurstPastTheOldRetention_ToAClientThatReadsLate_IsCaughtUpFromTheLog_EveryEventOnce()
    {
        // The defaults: a queue of 1,024 and a log bounded by 64 MiB. 20,000 events of about 700 bytes
        // (14 MB, 47 MB as the log counts them) are more than the socket buffers hold, so the client falls
        // more than 10,000 events behind (the entry count the log used to keep) before it reads at all.
        const int Count = 20_000;
        await using var server = await StartAsync();
        var overflows = 0L;
        var catchUps = 0L;
        var meters = server.Get<IMeterFactory>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name is "agentpulse.queue.overflows" or "agentpulse.queue.catchups")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            Interlocked.Add(ref instrument.Name == "agentpulse.queue.overflows" ? ref overflows : ref catchUps, value));
        listener.Start();

        await using var client = await server.ConnectAsync();
        await client.HandshakeAsync();
        var publisher = server.Get<IEventPublisher>();
        await StreamingTests.PublishManyAsync(publisher, Count, padding: 500);

        var events = await client.EventsAsync(Count);
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (long)i), events.Select(e => e.Seq()));
        var next = await publisher.PublishAsync(StreamingTests.Progress(Count + 1));
        Assert.Equal(next.Seq, (await client.EventsAsync(1))[0].Seq());
        Assert.Equal(0, Interlocked.Read(ref overflows));
        Assert.True(Interlocked.Read(ref catchUps) > 0, "the queue never overflowed: the test did not exercise the catch-up");
    }

    [Fact]
    public async Task BurstLargerThanTheQueue_ReachesAReadingClientWhole_FromTheLog()
    {
        const int Count = 5_000;
        await using var server = await StartAsync(new Dictionary<string, string?> { ["AgentPulse:SendQueueCapacity"] = "16" });
        await using var client = await server.ConnectAsync();
        await client.HandshakeAsync();

        var receiving = Task.Run(() => client.EventsAsync(Count));
        await StreamingTests.PublishManyAsync(server.Get<IEventPublisher>(), Count);

        Assert.Equal(Enumerable.Range(1, Count).Select(i => (long)i), (await receiving).Select(e => e.Seq()));
    }
}

public sealed class SlowConsumerTestsOverHttp1() : SlowConsumerTests(http2: false);

public sealed class SlowConsumerTestsOverHttp2() : SlowConsumerTests(http2: true);
