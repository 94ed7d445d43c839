using AgentPulse.AspNetCore.Internal;
using AgentPulse.Protocol;
using static AgentPulse.AspNetCore.Internal.OutboundQueue;

namespace AgentPulse.AspNetCore.Tests;

public sealed class OutboundQueueTests
{
    private static LoggedEvent Event(long seq) =>
        new(CloudEvent.Create(new TaskProgress("t1", 0.5, "indexing", null, null, null), "/tests") with { Seq = seq }, EventAudience.Public, new byte[] { 1 });

    private static List<Next> DrainAll(OutboundQueue queue, long position = 0)
    {
        var taken = new List<Next>();
        while (queue.TakeNext(position) is { Kind: not NextKind.None } next)
        {
            taken.Add(next);
            if (next.Event is { } entry)
            {
                position = entry.Seq;
            }
        }
        return taken;
    }

    [Fact]
    public void ControlFrames_GoBeforeEvents_AndEventsKeepTheirOrder()
    {
        var queue = new OutboundQueue(eventCapacity: 10);
        Assert.True(queue.TryEnqueueEvent(Event(1)));
        Assert.True(queue.TryEnqueueEvent(Event(2)));
        Assert.True(queue.TryEnqueueControl(new ControlItem([7])));

        var taken = DrainAll(queue);

        Assert.Equal([NextKind.Control, NextKind.Event, NextKind.Event], taken.Select(t => t.Kind));
        Assert.Equal([7], taken[0].Control.Frame);
        Assert.Equal([1L, 2L], taken.Skip(1).Select(t => t.Event!.Seq));
    }

    [Fact]
    public void AFullEventQueue_RefusesTheEvent_UntilTheWriterTakesOne()
    {
        var queue = new OutboundQueue(eventCapacity: 2);
        Assert.True(queue.TryEnqueueEvent(Event(1)));
        Assert.True(queue.TryEnqueueEvent(Event(2)));

        Assert.False(queue.TryEnqueueEvent(Event(3)));
        Assert.Equal(NextKind.Event, queue.TakeNext(0).Kind);
        Assert.True(queue.TryEnqueueEvent(Event(3)));
    }

    [Fact]
    public void AFullControlQueue_RefusesTheFrame()
    {
        var queue = new OutboundQueue(eventCapacity: 2, controlCapacity: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(queue.TryEnqueueControl(ControlItem.HeartbeatItem));
        }

        Assert.False(queue.TryEnqueueControl(ControlItem.HeartbeatItem));
        Assert.Equal(3, DrainAll(queue).Count);
        Assert.True(queue.TryEnqueueControl(ControlItem.HeartbeatItem));
    }

    [Fact]
    public void AnOverflow_AsksForACatchUp_BeforeAnyLaterEvent_AndCoveredEventsArePassedOver()
    {
        var queue = new OutboundQueue(eventCapacity: 2);
        queue.TryEnqueueEvent(Event(1));
        queue.TryEnqueueEvent(Event(2));
        queue.MarkOverflow(); // event 3 did not fit

        // Event 1 was queued before the overflow; the catch-up sends it in order with the rest.
        Assert.Equal(NextKind.CatchUp, queue.TakeNext(0).Kind);
        var mark = queue.BeginCatchUp();
        queue.EndCatchUp(mark); // the writer sent 1 to 3 from the log

        Assert.Empty(DrainAll(queue, position: 3));
    }

    [Fact]
    public void AnOverflowDuringACatchUp_BringsTheWriterBack()
    {
        var queue = new OutboundQueue(eventCapacity: 2);
        queue.MarkOverflow();
        Assert.Equal(NextKind.CatchUp, queue.TakeNext(0).Kind);
        var mark = queue.BeginCatchUp();

        queue.MarkOverflow(); // appended after the catch-up's last read
        queue.EndCatchUp(mark);

        Assert.Equal(NextKind.CatchUp, queue.TakeNext(0).Kind);
    }

    [Fact]
    public void AnEventAfterAnOverflow_IsLeftToTheCatchUp()
    {
        var queue = new OutboundQueue(eventCapacity: 1);
        queue.TryEnqueueEvent(Event(1));
        Assert.Equal(1, queue.TakeNext(0).Event!.Seq);
        queue.TryEnqueueEvent(Event(2));
        queue.MarkOverflow(); // event 3

        Assert.Equal(NextKind.CatchUp, queue.TakeNext(1).Kind);
    }

    [Fact]
    public async Task TheWriter_IsWokenOncePerBatch_NotPerItem()
    {
        var queue = new OutboundQueue(eventCapacity: 10);
        queue.BeginDrain();
        var waiting = queue.WaitAsync();
        Assert.False(waiting.IsCompleted);

        queue.TryEnqueueEvent(Event(1));
        queue.TryEnqueueEvent(Event(2));
        queue.TryEnqueueControl(ControlItem.HeartbeatItem);

        Assert.True(await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        queue.BeginDrain();
        Assert.Equal(3, DrainAll(queue).Count);
        Assert.False(queue.WaitAsync().IsCompleted);
    }

    [Fact]
    public async Task Complete_EndsTheWait_AndRefusesWhatComesAfter()
    {
        var queue = new OutboundQueue(eventCapacity: 10);
        var waiting = queue.WaitAsync();

        queue.Complete();

        Assert.False(await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(queue.TryEnqueueEvent(Event(1)));
        Assert.False(queue.TryEnqueueControl(ControlItem.HeartbeatItem));
    }

    [Fact]
    public void Clear_LetsGoOfEverything_AndFreesTheRoom()
    {
        var queue = new OutboundQueue(eventCapacity: 1, controlCapacity: 1);
        queue.TryEnqueueEvent(Event(1));
        queue.TryEnqueueControl(ControlItem.HeartbeatItem);

        queue.Clear();

        Assert.Equal(NextKind.None, queue.TakeNext(0).Kind);
        Assert.True(queue.TryEnqueueEvent(Event(2)));
        Assert.True(queue.TryEnqueueControl(ControlItem.HeartbeatItem));
    }
}

public sealed class OutboundQueueBudgetTests
{
    [Fact]
    public void ControlFrames_AreRefusedPastTheByteBudget_ThoughFewerThanTheCount_AndTakingOneFreesItsBytes()
    {
        var queue = new OutboundQueue(eventCapacity: 16, controlCapacity: 256, controlBytes: 1000);

        Assert.True(queue.TryEnqueueControl(new ControlItem(new byte[600])));
        Assert.True(queue.TryEnqueueControl(new ControlItem(new byte[400])));
        Assert.False(queue.TryEnqueueControl(new ControlItem(new byte[1])));

        Assert.Equal(OutboundQueue.NextKind.Control, queue.TakeNext(0).Kind);
        Assert.True(queue.TryEnqueueControl(new ControlItem(new byte[600])));
        Assert.False(queue.TryEnqueueControl(new ControlItem(new byte[1])));
    }

    [Fact]
    public void AFrameLargerThanTheBudget_WaitsOnlyAlone()
    {
        var queue = new OutboundQueue(eventCapacity: 16, controlCapacity: 256, controlBytes: 1000);

        Assert.True(queue.TryEnqueueControl(new ControlItem(new byte[5000])));
        Assert.False(queue.TryEnqueueControl(new ControlItem(new byte[1])));
        Assert.Equal(OutboundQueue.NextKind.Control, queue.TakeNext(0).Kind);
        Assert.True(queue.TryEnqueueControl(new ControlItem(new byte[10])));
        Assert.False(queue.TryEnqueueControl(new ControlItem(new byte[5000])));
    }
}
