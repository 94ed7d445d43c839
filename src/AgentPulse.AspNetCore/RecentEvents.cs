namespace AgentPulse.AspNetCore;

/// <summary>
/// The latest committed entries of a log, in memory: a ring of contiguous seqs, bounded by count
/// and age, from which live catch-ups and recent resumes are served without touching a store.
/// A building block for <see cref="IEventLog"/> implementations. Not thread-safe: its log locks.
/// </summary>
public sealed class RecentEvents
{
    private readonly TimeProvider time;
    private readonly TimeSpan maxAge;
    private readonly (LoggedEvent Entry, long AddedAt)[] ring;
    private int head; // index of the oldest entry
    private int count;

    /// <summary>Makes an empty window.</summary>
    /// <param name="capacity">The most entries kept; the oldest go first.</param>
    /// <param name="maxAge">How long an entry is kept after it was added.</param>
    /// <param name="time">The clock that ages entries.</param>
    public RecentEvents(int capacity, TimeSpan maxAge, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentNullException.ThrowIfNull(time);
        ring = new (LoggedEvent, long)[capacity];
        this.maxAge = maxAge;
        this.time = time;
    }

    /// <summary>How many entries it holds.</summary>
    public int Count => count;

    /// <summary>The most entries it holds.</summary>
    public int Capacity => ring.Length;

    /// <summary>The seq of the oldest entry; meaningless when <see cref="Count"/> is 0.</summary>
    public long FirstSeq => count == 0 ? 0 : ring[head].Entry.Seq;

    /// <summary>The oldest entry, or <c>null</c>.</summary>
    public LoggedEvent? Oldest => count == 0 ? null : ring[head].Entry;

    /// <summary>
    /// Adds the next entry (its seq one above the last one's, unless the window is empty), dropping
    /// the oldest when full; returns what was dropped, or <c>null</c>.
    /// </summary>
    public LoggedEvent? Add(LoggedEvent entry) => Add(entry, time.GetTimestamp());

    /// <summary>Adds the next entry as if added at <paramref name="addedAt"/> (a <see cref="TimeProvider.GetTimestamp"/> value).</summary>
    public LoggedEvent? Add(LoggedEvent entry, long addedAt)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (count > 0 && entry.Seq != ring[(head + count - 1) % ring.Length].Entry.Seq + 1)
        {
            throw new ArgumentException($"Entries are added in seq order without gaps: expected {ring[(head + count - 1) % ring.Length].Entry.Seq + 1}, got {entry.Seq}.", nameof(entry));
        }
        LoggedEvent? dropped = null;
        if (count == ring.Length)
        {
            dropped = RemoveOldest();
        }
        ring[(head + count) % ring.Length] = (entry, addedAt);
        count++;
        return dropped;
    }

    /// <summary>Drops the oldest entry if it is older than the maximum age, and returns it; <c>null</c> when none is.</summary>
    public LoggedEvent? RemoveExpired()
    {
        if (count > 0 && time.GetElapsedTime(ring[head].AddedAt) > maxAge)
        {
            return RemoveOldest();
        }
        return null;
    }

    /// <summary>Drops the oldest entry and returns it.</summary>
    public LoggedEvent RemoveOldest()
    {
        if (count == 0)
        {
            throw new InvalidOperationException("The window is empty.");
        }
        var oldest = ring[head].Entry;
        ring[head] = default;
        head = (head + 1) % ring.Length;
        count--;
        return oldest;
    }

    /// <summary>
    /// Copies up to <paramref name="max"/> entries after <paramref name="afterSeq"/>, in order, when
    /// the window covers that point (the oldest entry is at most <paramref name="afterSeq"/> + 1, or
    /// the window is empty and <paramref name="afterSeq"/> is its end).
    /// </summary>
    /// <param name="afterSeq">The seq to read after.</param>
    /// <param name="max">The most entries to copy.</param>
    /// <param name="lastSeq">The log's last seq, which the window ends at.</param>
    /// <param name="events">The entries, when covered.</param>
    /// <returns>Whether the window covers <paramref name="afterSeq"/>.</returns>
    public bool TryReadAfter(long afterSeq, int max, long lastSeq, out IReadOnlyList<LoggedEvent> events)
    {
        events = [];
        if (afterSeq >= lastSeq)
        {
            return afterSeq == lastSeq;
        }
        if (count == 0 || afterSeq < ring[head].Entry.Seq - 1)
        {
            return false;
        }
        var skip = (int)(afterSeq - ring[head].Entry.Seq + 1);
        var take = Math.Min(max, count - skip);
        var copy = new LoggedEvent[take];
        for (var i = 0; i < take; i++)
        {
            copy[i] = ring[(head + skip + i) % ring.Length].Entry;
        }
        events = copy;
        return true;
    }
}
