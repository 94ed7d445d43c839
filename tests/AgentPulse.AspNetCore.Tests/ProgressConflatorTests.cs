using AgentPulse.AspNetCore.Internal;
using AgentPulse.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.AspNetCore.Tests;

public sealed class ProgressConflatorTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly FakeTimeProvider time = new();
    private long seq;

    private LoggedEvent Next<T>(T data) where T : class =>
        new(CloudEvent.Create(data, "/tests") with { Seq = ++seq }, EventAudience.Public, new byte[] { 1 });

    private LoggedEvent Progress(string task, string stage, double value = 0.5) => Next(new TaskProgress(task, value, stage, null, null, null));

    private LoggedEvent Started(string task) => Next(new TaskStarted(task, "test", task, "tester", null));

    private LoggedEvent Completed(string task) => Next(new TaskCompleted(task, 1, null));

    private static List<long> TakeAll(ProgressConflator conflator)
    {
        var taken = new List<long>();
        while (conflator.TakeReady() is { } ready)
        {
            taken.Add(ready.Seq);
        }
        return taken;
    }

    [Fact]
    public void WithinOneInterval_FirstAndLastOfEachStage_AndEveryOtherEvent_GoOut_InSeqOrder()
    {
        var conflator = new ProgressConflator(Interval, 1024, time);
        conflator.Add(Started("a"));                      // 1
        for (var i = 0; i < 100; i++)
        {
            conflator.Add(Progress("a", "reading"));      // 2..101
        }
        for (var i = 0; i < 100; i++)
        {
            conflator.Add(Progress("a", "indexing"));     // 102..201
        }
        conflator.Add(Completed("a"));                    // 202

        Assert.Equal([1L, 2, 101, 102, 201, 202], TakeAll(conflator));
        Assert.Equal(196, conflator.Skipped);
        Assert.Equal(0, conflator.Held);
        Assert.Null(conflator.OldestHeldSeq);
        Assert.Null(conflator.DueIn());
    }

    [Fact]
    public void TheLatestProgress_WaitsForItsInterval_AndHoldsWhatFollows_NoLonger()
    {
        var conflator = new ProgressConflator(Interval, 1024, time);
        conflator.Add(Progress("a", "indexing"));  // 1: the first of its stage
        conflator.Add(Progress("a", "indexing"));  // 2: superseded by 3
        conflator.Add(Progress("a", "indexing"));  // 3: held
        conflator.Add(Next(new DocumentIndexed("d", "n", "text/plain", 1, 1, "other")));  // 4: behind 3, about another task

        Assert.Equal([1L], TakeAll(conflator));
        Assert.Equal(3, conflator.OldestHeldSeq);
        Assert.Equal(Interval, conflator.DueIn());

        time.Advance(TimeSpan.FromMilliseconds(60));
        Assert.Empty(TakeAll(conflator));
        Assert.Equal(TimeSpan.FromMilliseconds(40), conflator.DueIn());

        time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.Equal([3L, 4], TakeAll(conflator));
        Assert.Equal(1, conflator.Skipped);

        // Sent at 100 ms: the next one of the task waits until 200 ms.
        conflator.Add(Progress("a", "indexing"));  // 5
        Assert.Empty(TakeAll(conflator));
        time.Advance(Interval);
        Assert.Equal([5L], TakeAll(conflator));
    }

    [Fact]
    public void Tasks_AreConflatedEachByItself()
    {
        var conflator = new ProgressConflator(Interval, 1024, time);
        conflator.Add(Progress("a", "s"));  // 1
        conflator.Add(Progress("b", "s"));  // 2
        conflator.Add(Progress("a", "s"));  // 3: held (a sent at 0)
        conflator.Add(Progress("b", "s"));  // 4: held behind 3
        conflator.Add(Progress("a", "s"));  // 5: supersedes 3
        conflator.Add(Progress("b", "s"));  // 6: supersedes 4

        Assert.Equal([1L, 2], TakeAll(conflator));
        Assert.Equal(5, conflator.OldestHeldSeq);
        time.Advance(Interval);
        Assert.Equal([5L, 6], TakeAll(conflator));
        Assert.Equal(2, conflator.Skipped);
    }

    [Fact]
    public void AnyOtherEventOfTheTask_MakesTheHeldProgressTheLastOfItsStage()
    {
        var conflator = new ProgressConflator(Interval, 1024, time);
        conflator.Add(Progress("a", "s"));  // 1
        conflator.Add(Progress("a", "s"));  // 2: held
        conflator.Add(Next(new TaskFailed("a", new TaskError("cancelled", "The task was cancelled."), false)));  // 3

        Assert.Equal([1L, 2, 3], TakeAll(conflator));
        Assert.Equal(0, conflator.Skipped);
    }

    [Fact]
    public void PastItsCapacity_TheFrontGoesOutWithoutWaiting()
    {
        var conflator = new ProgressConflator(Interval, capacity: 4, time);
        for (var task = 0; task < 6; task++)
        {
            conflator.Add(Progress($"t{task}", "s"));      // 1..6: each the first of its stage
        }
        Assert.Equal([1L, 2, 3, 4, 5, 6], TakeAll(conflator));
        for (var task = 0; task < 6; task++)
        {
            conflator.Add(Progress($"t{task}", "s"));      // 7..12: each held for its task's interval
        }

        // Six held, room for four: the two oldest go now, the rest wait.
        Assert.Equal([7L, 8], TakeAll(conflator));
        Assert.Equal(4, conflator.Held);
        Assert.Equal(9, conflator.OldestHeldSeq);
    }
}
