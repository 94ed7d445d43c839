using System.Diagnostics.Metrics;
using AgentPulse.AspNetCore.Internal;

namespace AgentPulse.AspNetCore.Tests;

/// <summary>Fan-out's set of connections: joins and leaves in O(1), fan-out over it while they happen.</summary>
public sealed class ConnectionSetTests
{
    private sealed class Item(int id) : ISlotted
    {
        public int Id { get; } = id;

        public int Slot { get; set; } = -1;
    }

    [Fact]
    public void AddsAndRemoves_InAnyOrder_KeepEveryItemOnce_WithItsSlotTrue()
    {
        var set = new SlotSet<Item>();
        var model = new HashSet<Item>();
        var random = new Random(7);
        var all = Enumerable.Range(0, 500).Select(i => new Item(i)).ToArray();
        for (var step = 0; step < 20_000; step++)
        {
            var item = all[random.Next(all.Length)];
            if (model.Contains(item))
            {
                Assert.True(set.Remove(item));
                model.Remove(item);
                Assert.Equal(-1, item.Slot);
                Assert.False(set.Remove(item));
            }
            else
            {
                set.Add(item);
                model.Add(item);
            }
            Assert.Equal(model.Count, set.Count);
        }

        var items = set.Items.ToArray();
        Assert.Equal(model.OrderBy(i => i.Id), items.OrderBy(i => i.Id));
        for (var i = 0; i < items.Length; i++)
        {
            Assert.Equal(i, items[i].Slot);
        }
        Assert.Throws<InvalidOperationException>(() => set.Add(items[0]));
    }

    [Fact]
    public void Snapshot_IsMadeAgainOnlyAfterAChange()
    {
        var set = new SlotSet<Item>();
        var a = new Item(1);
        set.Add(a);
        var first = set.Snapshot();

        Assert.Same(first, set.Snapshot());
        set.Add(new Item(2));
        var second = set.Snapshot();
        Assert.NotSame(first, second);
        Assert.Equal(2, second.Length);
        set.Remove(a);
        Assert.Equal([2], set.Snapshot().Select(i => i.Id));
    }

    [Fact]
    public void EmptyingAfterAStorm_GivesMemoryBack_AndAddsStillWork()
    {
        var set = new SlotSet<Item>();
        var items = Enumerable.Range(0, 10_000).Select(i => new Item(i)).ToList();
        items.ForEach(set.Add);
        items.ForEach(i => Assert.True(set.Remove(i)));

        Assert.Equal(0, set.Count);
        set.Add(items[42]);
        Assert.Equal(0, items[42].Slot);
        Assert.Equal([42], set.Snapshot().Select(i => i.Id));
    }

    [Fact]
    public async Task ReconnectStorm_WhilePublishing_SteadyClientsGetEveryEventOnce_AndTheCountEndsExact()
    {
        const int Steady = 3;
        const int Churners = 8;
        const int Cycles = 25;
        const int Events = 2_000;
        await using var server = await LibraryHost.StartAsync();
        var meters = server.Get<IMeterFactory>();
        var open = 0L;
        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var churnDone = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "agentpulse.connections")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            if (Interlocked.Add(ref open, value) == Steady && Volatile.Read(ref churnDone) == 1)
            {
                settled.TrySetResult();
            }
        });
        listener.Start();

        var steady = new List<AgentPulse.Testing.RawClient>();
        try
        {
            for (var i = 0; i < Steady; i++)
            {
                var client = await server.ConnectAsync();
                await client.HandshakeAsync();
                steady.Add(client);
            }
            var receiving = steady.Select(c => Task.Run(() => c.EventsAsync(Events))).ToList();

            var publisher = server.Get<IEventPublisher>();
            var publishing = Task.Run(() => StreamingTests.PublishManyAsync(publisher, Events));
            var churning = Enumerable.Range(0, Churners).Select(_ => Task.Run(async () =>
            {
                for (var c = 0; c < Cycles; c++)
                {
                    await using var client = await server.ConnectAsync();
                    await client.HandshakeAsync();
                }
            })).ToList();
            await Task.WhenAll(churning);
            await publishing;
            Volatile.Write(ref churnDone, 1);
            if (Interlocked.Read(ref open) == Steady)
            {
                settled.TrySetResult();
            }

            foreach (var events in await Task.WhenAll(receiving))
            {
                Assert.Equal(Enumerable.Range(1, Events).Select(i => (long)i), events.Select(e => e.Seq()));
            }
            await settled.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var connections = server.Get<IAgentPulseConnections>();
            Assert.Equal(Steady, connections.Count);
            Assert.Equal(Steady, connections.ConnectionIds.Distinct().Count());

            // Fan-out still reaches exactly the steady ones.
            var next = await publisher.PublishAsync(StreamingTests.Progress(Events + 1));
            foreach (var client in steady)
            {
                Assert.Equal(next.Seq, (await client.EventsAsync(1))[0].Seq());
            }
        }
        finally
        {
            foreach (var client in steady)
            {
                await client.DisposeAsync();
            }
        }
    }
}
