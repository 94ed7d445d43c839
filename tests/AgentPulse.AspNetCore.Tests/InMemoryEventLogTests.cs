using System.Text.Json;
using AgentPulse.AspNetCore;
using AgentPulse.AspNetCore.Internal;
using AgentPulse.Protocol;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.AspNetCore.Tests;

public sealed class InMemoryEventLogTests
{
    private readonly FakeTimeProvider time = new();

    private InMemoryEventLog Log(int retention = 100) =>
        new(Options.Create(new AgentPulseOptions { LogRetentionCount = retention, LogRetentionAge = TimeSpan.FromMinutes(10) }), time);

    private static EventToAppend Note(int i) =>
        new(new CloudEvent { Type = "agent.note", Source = "/tests", Id = $"n{i}", Data = JsonSerializer.SerializeToElement(i) }, EventAudience.Public);

    private sealed class RecordingSink : IEventLogSink
    {
        public List<long> Seqs { get; } = [];

        public void OnCommitted(IReadOnlyList<LoggedEvent> entries)
        {
            lock (Seqs)
            {
                Seqs.AddRange(entries.Select(e => e.Seq));
            }
        }
    }

    [Fact]
    public async Task Append_HandsTheEntriesToTheSink_BeforeItCompletes_AndRepeatsOnlyReport()
    {
        var log = Log();
        var sink = new RecordingSink();
        await log.StartAsync(sink);

        var results = await log.AppendAsync([Note(1), Note(2), Note(1)]);

        Assert.Equal([new PublishResult(1, "n1", false), new PublishResult(2, "n2", false), new PublishResult(1, "n1", true)], results);
        Assert.Equal([1L, 2L], sink.Seqs);
        Assert.Equal(2, log.LastSeq);
    }

    [Fact]
    public async Task ConcurrentBatches_GetContiguousSeqs_AndTheSinkSeesEverySeqOnceInOrder()
    {
        var log = Log(retention: 10_000);
        var sink = new RecordingSink();
        await log.StartAsync(sink);

        var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
        {
            var all = new List<IReadOnlyList<PublishResult>>();
            for (var b = 0; b < 50; b++)
            {
                all.Add(await log.AppendAsync(Enumerable.Range(0, 5).Select(i => Note((((p * 50) + b) * 5) + i)).ToList()));
            }
            return all;
        })));

        Assert.All(batches.SelectMany(b => b), batch => Assert.Equal(Enumerable.Range(0, 5).Select(i => batch[0].Seq + i), batch.Select(r => r.Seq)));
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => (long)i), sink.Seqs);
    }

    [Fact]
    public async Task ReadAfter_IsCompleteWithinRetention_AndSaysSoWhenTheGapIsOlder()
    {
        var log = Log(retention: 10);
        await log.StartAsync(new RecordingSink());
        await log.AppendAsync(Enumerable.Range(1, 25).Select(Note).ToList());

        var recent = await log.ReadAfterAsync(20, 3);
        Assert.True(recent.Complete);
        Assert.Equal([21L, 22L, 23L], recent.Events.Select(e => e.Seq));
        Assert.True((await log.ReadAfterAsync(15, 100)).Complete);
        Assert.False((await log.ReadAfterAsync(14, 100)).Complete);
        Assert.False((await log.ReadAfterAsync(26, 100)).Complete); // a seq this log never gave

        time.Advance(TimeSpan.FromMinutes(11));
        Assert.False((await log.ReadAfterAsync(20, 100)).Complete);
        Assert.True((await log.ReadAfterAsync(25, 100)).Complete);
    }

    [Fact]
    public async Task Retention_ByBytes_DropsTheOldestPastTheBudget_AndSaysWhereTheLogStarts()
    {
        var entryBytes = RecentEvents.EstimatedBytes(LoggedEvent.Create(Note(20).Event with { Seq = 20 }, EventAudience.Public)); // as each of 10…99
        var log = new InMemoryEventLog(Options.Create(new AgentPulseOptions { LogRetentionCount = 1_000, LogRetentionBytes = 10 * entryBytes }), time);
        await log.StartAsync(new RecordingSink());
        Assert.Equal(1, log.FirstRetainedSeq);

        await log.AppendAsync(Enumerable.Range(1, 9).Select(Note).ToList());
        Assert.Equal(1, log.FirstRetainedSeq);
        await log.AppendAsync(Enumerable.Range(10, 16).Select(Note).ToList());

        Assert.Equal(16, log.FirstRetainedSeq);
        Assert.True((await log.ReadAfterAsync(15, 100)).Complete);
        Assert.Equal(Enumerable.Range(16, 10).Select(i => (long)i), (await log.ReadAfterAsync(15, 100)).Events.Select(e => e.Seq));
        Assert.False((await log.ReadAfterAsync(14, 100)).Complete);
        // What left the log may be published again: its id is forgotten with it.
        Assert.False((await log.AppendAsync([Note(1)]))[0].Duplicate);
        Assert.True((await log.AppendAsync([Note(20)]))[0].Duplicate);
    }

    [Fact]
    public void RecentEvents_GrowsPastItsFirstSlots_KeepingOrder_AndDropsByCountAtItsCapacity()
    {
        var window = new RecentEvents(3_000, TimeSpan.FromMinutes(10), time);
        for (var i = 1; i <= 3_500; i++)
        {
            var dropped = window.Add(LoggedEvent.Create(Note(i).Event with { Seq = i }, EventAudience.Public));
            Assert.Equal(i > 3_000 ? i - 3_000 : null, dropped?.Seq);
        }

        Assert.Equal(3_000, window.Count);
        Assert.True(window.TryReadAfter(500, 5_000, 3_500, out var events));
        Assert.Equal(Enumerable.Range(501, 3_000).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.False(window.TryReadAfter(499, 10, 3_500, out _));
    }
}
