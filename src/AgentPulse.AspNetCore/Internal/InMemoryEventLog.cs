using AgentPulse.Protocol;
using Microsoft.Extensions.Options;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// The default log: the latest events in memory, retained by count, bytes and age. An append commits at
/// once and hands its entries to the sink before it returns, under the log's lock, so seq order and
/// fan-out order are one. Its epoch is new with every process, so a client that resumes across a
/// restart is told it was not recovered.
/// </summary>
internal sealed class InMemoryEventLog : IEventLog
{
    private readonly Lock gate = new();
    private readonly RecentEvents recent;
    private readonly Dictionary<(string Source, string Id), long> byId = new();
    private IEventLogSink? sink;
    private long lastSeq;
    private long firstRetainedSeq = 1;

    public InMemoryEventLog(IOptions<AgentPulseOptions> options, TimeProvider time)
    {
        recent = new RecentEvents(options.Value.LogRetentionCount, options.Value.LogRetentionBytes, options.Value.LogRetentionAge, time);
        Epoch = Guid.NewGuid().ToString("N")[..16];
    }

    public string Epoch { get; }

    public long LastSeq => Volatile.Read(ref lastSeq);

    public long FirstRetainedSeq => Volatile.Read(ref firstRetainedSeq);

    public Task StartAsync(IEventLogSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        lock (gate)
        {
            this.sink = sink;
        }
        return Task.CompletedTask;
    }

    public ValueTask<IReadOnlyList<PublishResult>> AppendAsync(IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var results = new PublishResult[events.Count];
        List<LoggedEvent>? added = null;
        lock (gate)
        {
            EvictExpired();
            for (var i = 0; i < events.Count; i++)
            {
                var (cloudEvent, audience) = events[i];
                if (byId.TryGetValue((cloudEvent.Source, cloudEvent.Id), out var seq))
                {
                    results[i] = new PublishResult(seq, cloudEvent.Id, Duplicate: true);
                    continue;
                }
                var entry = LoggedEvent.Create(cloudEvent with { Seq = lastSeq + 1 }, audience);
                if (recent.Add(entry) is { } dropped)
                {
                    byId.Remove((dropped.Event.Source, dropped.Event.Id));
                }
                byId[(cloudEvent.Source, cloudEvent.Id)] = entry.Seq;
                Volatile.Write(ref lastSeq, entry.Seq);
                (added ??= new List<LoggedEvent>(events.Count)).Add(entry);
                results[i] = new PublishResult(entry.Seq, cloudEvent.Id, Duplicate: false);
            }
            EvictExpired();
            if (added is not null)
            {
                sink?.OnCommitted(added);
            }
        }
        return ValueTask.FromResult<IReadOnlyList<PublishResult>>(results);
    }

    public ValueTask<LogRead> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            EvictExpired();
            var covered = recent.TryReadAfter(afterSeq, max, lastSeq, out var events);
            return ValueTask.FromResult(new LogRead(events, Complete: covered));
        }
    }

    private void EvictExpired()
    {
        while (recent.RemoveExpired() is { } expired)
        {
            byId.Remove((expired.Event.Source, expired.Event.Id));
        }
        Volatile.Write(ref firstRetainedSeq, recent.Count == 0 ? lastSeq + 1 : recent.FirstSeq);
    }
}
