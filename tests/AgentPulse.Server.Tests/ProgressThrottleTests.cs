using AgentPulse.Protocol;
using AgentPulse.Server.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.Server.Tests;

public sealed class ProgressThrottleTests
{
    private static TaskProgress Step(string stage, double progress, long current, long total) =>
        new("t1", progress, stage, $"{current} of {total}", current, total);

    [Fact]
    public void Throttle_OfFiftyStepsTenMillisecondsApart_KeepsFirstOnePerIntervalAndLast()
    {
        var clock = new FakeTimeProvider();
        var throttle = new ProgressThrottle(TimeSpan.FromMilliseconds(100));
        var published = new List<TaskProgress>();

        for (var i = 1; i <= 50; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            published.AddRange(throttle.Offer(Step("indexing", i / 50.0, i, 50), clock.GetUtcNow()));
        }

        Assert.Equal([1L, 11, 21, 31, 41, 50], published.Select(p => p.Current!.Value));
        Assert.Null(throttle.Flush());
    }

    [Fact]
    public void Throttle_WhenTheStageChanges_PublishesTheHeldLastStepFirst()
    {
        var clock = new FakeTimeProvider();
        var throttle = new ProgressThrottle(TimeSpan.FromMilliseconds(100));

        var first = throttle.Offer(new TaskProgress("t1", 0.1, "extracting", null, 1, 10), clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMilliseconds(5));
        var held = throttle.Offer(new TaskProgress("t1", 0.2, "extracting", null, 2, 10), clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMilliseconds(5));
        var change = throttle.Offer(new TaskProgress("t1", 0.3, "chunking", null, null, null), clock.GetUtcNow());

        Assert.Single(first);
        Assert.Empty(held);
        Assert.Equal([(2L, "extracting"), (0L, "chunking")], change.Select(p => (p.Current ?? 0, p.Stage)));
    }

    [Fact]
    public void Throttle_NeverLetsProgressGoBack()
    {
        var clock = new FakeTimeProvider();
        var throttle = new ProgressThrottle(TimeSpan.Zero);

        throttle.Offer(new TaskProgress("t1", 0.5, "indexing", null, 1, 4), clock.GetUtcNow());
        clock.Advance(TimeSpan.FromSeconds(1));
        var later = Assert.Single(throttle.Offer(new TaskProgress("t1", 0.4, "indexing", null, 2, 4), clock.GetUtcNow()));

        Assert.Equal(0.5, later.Progress);
    }

    [Fact]
    public void Throttle_HoldsTheLastStepUntilFlushed_WhenItCameTooSoon()
    {
        var clock = new FakeTimeProvider();
        var throttle = new ProgressThrottle(TimeSpan.FromMilliseconds(100));

        throttle.Offer(new TaskProgress("t1", 0.1, "searching", null, null, null), clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Empty(throttle.Offer(new TaskProgress("t1", 0.9, "searching", "almost", null, null), clock.GetUtcNow()));

        Assert.Equal("almost", throttle.Flush()?.Message);
        Assert.Null(throttle.Flush());
    }
}
