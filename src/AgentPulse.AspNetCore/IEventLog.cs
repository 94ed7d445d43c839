using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore;

/// <summary>
/// The ordered log behind fan-out and resume: it assigns seqs, keeps events for resume, and tells
/// fan-out what it committed. The default keeps events in memory; a durable or shared log (SQLite,
/// Redis Streams) replaces it without touching fan-out.
/// </summary>
/// <remarks>
/// <para>Fan-out is driven by the log, not by the publisher: after <see cref="StartAsync"/> the log
/// hands every committed entry to its <see cref="IEventLogSink"/>, in seq order, once. A shared log
/// hands over the entries other nodes appended too; a log may hand an entry over before or after
/// the <see cref="AppendAsync"/> that made it completes (the in-memory and SQLite logs: before).</para>
/// <para>An entry is never handed over, nor read by <see cref="ReadAfterAsync"/>, before it is
/// committed (durable, for a durable log), and a seq is never given to two events.</para>
/// <para><see cref="AppendAsync"/> may be called by any number of publishers at once: the log orders them.</para>
/// </remarks>
public interface IEventLog
{
    /// <summary>
    /// The identity of this log: it is made with the log and kept with it, and changes only when the
    /// log is reset (a new in-memory log, a lost database), so that a seq from another epoch is never
    /// matched against this one. Known once <see cref="StartAsync"/> has completed.
    /// </summary>
    string Epoch { get; }

    /// <summary>The seq of the last committed event this process has seen (0 when none).</summary>
    long LastSeq { get; }

    /// <summary>
    /// The seq of the oldest event <see cref="ReadAfterAsync"/> can still return, read without waiting
    /// (0: the log does not say). Fan-out closes a connection with 4008 as soon as the event it needs next
    /// is older than this, rather than when its catch-up finds the gap (default: 0).
    /// </summary>
    long FirstRetainedSeq => 0;

    /// <summary>
    /// Opens the log (a durable log recovers what it holds) and starts handing committed entries to
    /// <paramref name="sink"/>: every entry with a seq above <see cref="LastSeq"/> as of the end of this call.
    /// Called once, at start, before the first append of fan-out's publishers.
    /// </summary>
    /// <exception cref="EventLogUnavailableException">The log cannot be opened; the message says what to do.</exception>
    Task StartAsync(IEventLogSink sink, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends <paramref name="events"/> atomically: either every new one is committed, with
    /// contiguous seqs in the given order, or none is. A repeat of a source + id still retained (or
    /// earlier in the same batch) is not appended again: its result carries the first seq and
    /// <see cref="PublishResult.Duplicate"/>. Completes once the events are committed (durable, for a durable log).
    /// </summary>
    /// <param name="events">The events, each with its <c>id</c>, <c>type</c> and <c>source</c> set; their <c>seq</c> is ignored.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the log's queue; once the events are queued they are committed whatever happens to the caller.</param>
    /// <returns>One result per event, in order.</returns>
    /// <exception cref="EventLogUnavailableException">Nothing of the batch was committed (disk full, store unreachable); the caller may retry.</exception>
    ValueTask<IReadOnlyList<PublishResult>> AppendAsync(IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads up to <paramref name="max"/> committed events with a seq larger than <paramref name="afterSeq"/>, in order.
    /// Called again with the last seq read to page through a long gap.
    /// </summary>
    /// <returns>The events, and whether the log still held everything after <paramref name="afterSeq"/> (<c>false</c>: a gap, older than retention).</returns>
    ValueTask<LogRead> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken = default);
}

/// <summary>Where a log hands its committed entries: fan-out.</summary>
public interface IEventLogSink
{
    /// <summary>
    /// Takes committed entries, in seq order, each once, from one call at a time. Never blocks and
    /// never throws; it must not be called while the log holds a lock that an append waits for
    /// longer than this call takes.
    /// </summary>
    void OnCommitted(IReadOnlyList<LoggedEvent> entries);
}

/// <summary>An event to append and who may see it.</summary>
/// <param name="Event">The event, with its id, type and source.</param>
/// <param name="Audience">Who may see it.</param>
public readonly record struct EventToAppend(CloudEvent Event, EventAudience Audience);

/// <summary>
/// The log could not take the events now (disk full, store unreachable, log not open): nothing of
/// the append was committed. Publishing may be retried; <c>POST /api/events</c> answers 503.
/// </summary>
public sealed class EventLogUnavailableException : Exception
{
    /// <summary>Makes one.</summary>
    public EventLogUnavailableException()
        : this("The event log is unavailable.")
    {
    }

    /// <summary>Makes one with a message fit to show a person.</summary>
    public EventLogUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Makes one with a message fit to show a person and the store's error.</summary>
    public EventLogUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>An event in the log: its seq, its audience and the bytes of its frame, serialized once.</summary>
public sealed class LoggedEvent
{
    /// <summary>Makes an entry.</summary>
    public LoggedEvent(CloudEvent cloudEvent, EventAudience audience, ReadOnlyMemory<byte> utf8Frame)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        Event = cloudEvent;
        Audience = audience;
        Utf8Frame = utf8Frame;
    }

    /// <summary>Makes the entry of <paramref name="cloudEvent"/> (its seq set), serializing its frame.</summary>
    public static LoggedEvent Create(CloudEvent cloudEvent, EventAudience audience)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        return new LoggedEvent(cloudEvent, audience, Frames.Event(cloudEvent));
    }

    /// <summary>The event, with its seq.</summary>
    public CloudEvent Event { get; }

    /// <summary>The seq.</summary>
    public long Seq => Event.Seq;

    /// <summary>The type.</summary>
    public string Type => Event.Type;

    /// <summary>Who may see it.</summary>
    public EventAudience Audience { get; }

    /// <summary>The whole text frame, as sent to every connection.</summary>
    public ReadOnlyMemory<byte> Utf8Frame { get; }

    private byte[]? wireFrame;
    private Internal.TaskKey? taskKey;

    /// <summary>The frame with its WebSocket header, made once on first use and shared by every connection.</summary>
    internal byte[] WireFrame => Volatile.Read(ref wireFrame) ?? MakeWireFrame();

    /// <summary>The task the event is about and, for <c>task.progress</c>, its stage: read from the payload once, on first use (by a conflating connection), and shared.</summary>
    internal Internal.TaskKey TaskKey => Volatile.Read(ref taskKey) ?? (taskKey = Internal.TaskKey.Of(Event));

    private byte[] MakeWireFrame()
    {
        var made = Internal.WebSocketFrames.Text(Utf8Frame.Span);
        return Interlocked.CompareExchange(ref wireFrame, made, null) ?? made;
    }
}

/// <summary>The result of <see cref="IEventLog.ReadAfterAsync"/>.</summary>
/// <param name="Events">The events read, in seq order.</param>
/// <param name="Complete">Whether nothing after the requested seq has been lost to retention.</param>
public readonly record struct LogRead(IReadOnlyList<LoggedEvent> Events, bool Complete);
