using System.Globalization;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Server.Events;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.Server.Tests;

/// <summary>The sweep of silent outside tasks when every node of a cluster runs one.</summary>
public sealed class SilentTaskSweeperTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TwoNodesSweepingTheSameSilentTask_PublishTheSameSourceAndId_SoTheLogKeepsOneFailure()
    {
        var time = new TimerCountingTime(DateTimeOffset.Parse("2026-11-25T17:00:00Z", CultureInfo.InvariantCulture), timers: 2);
        var options = Options.Create(new EventsOptions { SilentTaskTimeout = TimeSpan.FromMinutes(5) });
        var publisher = new RecordingPublisher(expected: 2);
        // Each node folds the same stream: the same task.started, at the same seq.
        var started = CloudEvent.Create(new TaskStarted("quiet", "sync", "Sync", "outside", null), "/publishers/a", "tasks/quiet") with { Seq = 41 };
        var sweepers = new List<SilentTaskSweeper>();
        foreach (var node in new[] { "a", "b" })
        {
            var tasks = new OutsideTasks(time);
            tasks.OnAppended(LoggedEvent.Create(started, EventAudience.Public));
            var sweeper = new SilentTaskSweeper(tasks, publisher, options, time, NullLogger<SilentTaskSweeper>.Instance);
            await sweeper.StartAsync(CancellationToken.None);
            sweepers.Add(sweeper);
        }

        await time.AllTimers.WaitAsync(WaitLimit); // each sweeper's timer exists (ExecuteAsync runs on a thread of its own)
        time.Advance(TimeSpan.FromMinutes(6));
        var published = await publisher.All.WaitAsync(WaitLimit);

        Assert.All(published, e => Assert.Equal("task.failed", e.Type));
        Assert.All(published, e => Assert.Equal("/publishers/a", e.Source));
        Assert.Equal(published[0].Id, published[1].Id);
        Assert.Equal(SilentTaskSweeper.IdOf(new SilentTask("quiet", "/publishers/a", null, 41)), published[0].Id);
        foreach (var sweeper in sweepers)
        {
            await sweeper.StopAsync(CancellationToken.None);
            sweeper.Dispose();
        }
    }

    /// <summary>A fake clock that says when the sweepers have made their timers, so that an advance reaches them.</summary>
    private sealed class TimerCountingTime(DateTimeOffset start, int timers) : FakeTimeProvider(start)
    {
        private readonly TaskCompletionSource allTimers = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int created;

        public Task AllTimers => allTimers.Task;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (Interlocked.Increment(ref created) == timers)
            {
                allTimers.TrySetResult();
            }
            return timer;
        }
    }

    /// <summary>Records what the sweepers publish; <see cref="All"/> completes once <c>expected</c> events came.</summary>
    private sealed class RecordingPublisher(int expected) : IEventPublisher
    {
        private readonly Lock gate = new();
        private readonly List<CloudEvent> events = [];
        private readonly TaskCompletionSource<IReadOnlyList<CloudEvent>> all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IReadOnlyList<CloudEvent>> All => all.Task;

        public ValueTask<PublishResult> PublishAsync(CloudEvent cloudEvent, EventAudience audience, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The sweep publishes batches.");

        public ValueTask<IReadOnlyList<PublishResult>> PublishAsync(IReadOnlyList<CloudEvent> cloudEvents, EventAudience audience, CancellationToken cancellationToken = default)
        {
            lock (gate)
            {
                events.AddRange(cloudEvents);
                if (events.Count >= expected)
                {
                    all.TrySetResult([.. events]);
                }
            }
            return ValueTask.FromResult<IReadOnlyList<PublishResult>>([.. cloudEvents.Select((e, i) => new PublishResult(100 + i, e.Id, Duplicate: false))]);
        }
    }
}
