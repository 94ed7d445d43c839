namespace AgentPulse.AspNetCore;

/// <summary>
/// The latest committed entries of a log, in memory: a ring of contiguous seqs, bounded by count,
/// by (estimated) bytes and by age, from which live catch-ups and recent resumes are served without
/// touching a store. A building block for <see cref="IEventLog"/> implementations. Not thread-safe: its log locks.
/// </summary>
/// <remarks>
/// The ring grows as entries come (doubling, up to the count), so a large count costs nothing until
/// it is used. What an entry costs is estimated by <see cref="EstimatedBytes"/>.
/// </remarks>
public sealed class RecentEvents
{
    /// <summary>What <see cref="EstimatedBytes"/> adds to the frames of each entry: the event's object, its strings, its slot.</summary>
    public const int EntryOverheadBytes = 256;

    private const int InitialSlots = 1024;

    private readonly TimeProvider time;
    private readonly TimeSpan maxAge;
    private readonly long maxBytes;
    private readonly int capacity;
    private (LoggedEvent Entry, long AddedAt)[] ring;
    private int head; // index of the oldest entry
    private int count;
    private long bytes;

    /// <summary>Makes an empty window bounded by count and age.</summary>
    /// <param name="capacity">The most entries kept; the oldest go first.</param>
    /// <param name="maxAge">How long an entry is kept after it was added.</param>
    /// <param name="time">The clock that ages entries.</param>
    public RecentEvents(int capacity, TimeSpan maxAge, TimeProvider time)
        : this(capacity, long.MaxValue, maxAge, time)
    {
    }

    /// <summary>Makes an empty window bounded by count, bytes and age.</summary>
    /// <param name="capacity">The most entries kept; the oldest go first.</param>
    /// <param name="maxBytes">The most bytes kept (by <see cref="EstimatedBytes"/>); past it the oldest go first, and the newest entry always stays.</param>
    /// <param name="maxAge">How long an entry is kept after it was added.</param>
    /// <param name="time">The clock that ages entries.</param>
    public RecentEvents(int capacity, long maxBytes, TimeSpan maxAge, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        ArgumentNullException.ThrowIfNull(time);
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        ring = new (LoggedEvent, long)[Math.Min(capacity, InitialSlots)];
        this.maxAge = maxAge;
        this.time = time;
    }

    /// <summary>How many entries it holds.</summary>
    public int Count => count;

    /// <summary>The most entries it holds.</summary>
    public int Capacity => capacity;

    /// <summary>The bytes it holds, by <see cref="EstimatedBytes"/>.</summary>
    public long Bytes => bytes;

    /// <summary>The seq of the oldest entry; meaningless when <see cref="Count"/> is 0.</summary>
    public long FirstSeq => count == 0 ? 0 : ring[head].Entry.Seq;

    /// <summary>The oldest entry, or <c>null</c>.</summary>
    public LoggedEvent? Oldest => count == 0 ? null : ring[head].Entry;

    /// <summary>
    /// What an entry is taken to hold in memory: three times its frame (the frame, the same with its
    /// WebSocket header, and the parsed <c>data</c> of its event) plus <see cref="EntryOverheadBytes"/>.
    /// </summary>
    public static long EstimatedBytes(LoggedEvent entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (3L * entry.Utf8Frame.Length) + EntryOverheadBytes;
    }

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
        if (count == capacity)
        {
            dropped = RemoveOldest();
        }
        else if (count == ring.Length)
        {
            Grow();
        }
        ring[(head + count) % ring.Length] = (entry, addedAt);
        count++;
        bytes += EstimatedBytes(entry);
        return dropped;
    }

    /// <summary>
    /// Drops the oldest entry if it is older than the maximum age, or if the window holds more bytes than
    /// its bound (never the newest entry), and returns it; <c>null</c> when neither is so. Call until <c>null</c>.
    /// </summary>
    public LoggedEvent? RemoveExpired()
    {
        if (count > 1 && bytes > maxBytes)
        {
            return RemoveOldest();
        }
        if (count > 0 && time.GetElapsedTime(ring[head].AddedAt) > maxAge)
        {
            return RemoveOldest();
        }
        return null;
    }

    private void Grow()
    {
        var grown = new (LoggedEvent, long)[(int)Math.Min(capacity, 2L * ring.Length)];
        for (var i = 0; i < count; i++)
        {
            grown[i] = ring[(head + i) % ring.Length];
        }
        ring = grown;
        head = 0;
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
        bytes -= EstimatedBytes(oldest);
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
