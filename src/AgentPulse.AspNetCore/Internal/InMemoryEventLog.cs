using AgentPulse.Protocol;
using Microsoft.Extensions.Options;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// The default log: a ring of the latest events in memory, retained by count and age. Its epoch is
/// new with every process, so a client that resumes across a restart is told it was not recovered.
/// </summary>
internal sealed class InMemoryEventLog : IEventLog
{
    private readonly Lock gate = new();
    private readonly TimeProvider time;
    private readonly int capacity;
    private readonly TimeSpan maxAge;
    private readonly (LoggedEvent Entry, long AppendedAt)[] ring;
    private readonly Dictionary<(string Source, string Id), LoggedEvent> byId = new();
    private int head; // index of the oldest retained entry
    private int count;
    private long lastSeq;

    public InMemoryEventLog(IOptions<AgentPulseOptions> options, TimeProvider time)
    {
        this.time = time;
        capacity = options.Value.LogRetentionCount;
        maxAge = options.Value.LogRetentionAge;
        ring = new (LoggedEvent, long)[capacity];
        Epoch = Guid.NewGuid().ToString("N")[..16];
    }

    public string Epoch { get; }

    public long LastSeq => Volatile.Read(ref lastSeq);

    public ValueTask<(LoggedEvent Entry, bool Duplicate)> AppendAsync(CloudEvent cloudEvent, EventAudience audience, CancellationToken cancellationToken = default)
    {
        var now = time.GetTimestamp();
        lock (gate)
        {
            EvictExpired(now);
            if (byId.TryGetValue((cloudEvent.Source, cloudEvent.Id), out var existing))
            {
                return ValueTask.FromResult((existing, true));
            }
            if (count == capacity)
            {
                RemoveOldest();
            }
            var sequenced = cloudEvent with { Seq = lastSeq + 1 };
            var entry = new LoggedEvent(sequenced, audience, Frames.Event(sequenced));
            ring[(head + count) % capacity] = (entry, now);
            count++;
            byId[(sequenced.Source, sequenced.Id)] = entry;
            Volatile.Write(ref lastSeq, sequenced.Seq);
            return ValueTask.FromResult((entry, false));
        }
    }

    public ValueTask<LogRead> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            EvictExpired(time.GetTimestamp());
            if (afterSeq < 0 || afterSeq > lastSeq)
            {
                return ValueTask.FromResult(new LogRead([], Complete: false));
            }
            // Retained seqs are contiguous: lastSeq - count + 1 .. lastSeq.
            var firstSeq = lastSeq - count + 1;
            if (afterSeq < firstSeq - 1)
            {
                return ValueTask.FromResult(new LogRead([], Complete: false));
            }
            var skip = (int)(afterSeq - firstSeq + 1);
            var take = Math.Min(max, count - skip);
            var events = new LoggedEvent[take];
            for (var i = 0; i < take; i++)
            {
                events[i] = ring[(head + skip + i) % capacity].Entry;
            }
            return ValueTask.FromResult(new LogRead(events, Complete: true));
        }
    }

    private void EvictExpired(long now)
    {
        while (count > 0 && time.GetElapsedTime(ring[head].AppendedAt, now) > maxAge)
        {
            RemoveOldest();
        }
    }

    private void RemoveOldest()
    {
        var oldest = ring[head].Entry;
        byId.Remove((oldest.Event.Source, oldest.Event.Id));
        ring[head] = default;
        head = (head + 1) % capacity;
        count--;
    }
}
