using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore;

/// <summary>
/// The ordered log behind fan-out and resume. Append assigns the seq; reads go after a seq.
/// The default keeps events in memory; a shared log (Redis Streams, SQLite) replaces it without
/// touching fan-out. Appends come from one sequencer at a time, in order.
/// </summary>
public interface IEventLog
{
    /// <summary>The identity of this log; it changes when the log is reset, so a seq from another epoch means nothing here.</summary>
    string Epoch { get; }

    /// <summary>The seq of the last appended event (0 when none).</summary>
    long LastSeq { get; }

    /// <summary>
    /// Assigns the next seq to <paramref name="cloudEvent"/>, serializes it once and keeps it. A repeat of a
    /// source + id still retained is not appended: the retained entry is returned with <c>duplicate</c> set.
    /// </summary>
    ValueTask<(LoggedEvent Entry, bool Duplicate)> AppendAsync(CloudEvent cloudEvent, EventAudience audience, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads up to <paramref name="max"/> events with a seq larger than <paramref name="afterSeq"/>, in order.
    /// </summary>
    /// <returns>The events, and whether the log still held everything after <paramref name="afterSeq"/> (<c>false</c>: a gap, older than retention).</returns>
    ValueTask<LogRead> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken = default);
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

    /// <summary>The frame with its WebSocket header, made once on first use and shared by every connection.</summary>
    internal byte[] WireFrame => Volatile.Read(ref wireFrame) ?? MakeWireFrame();

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
