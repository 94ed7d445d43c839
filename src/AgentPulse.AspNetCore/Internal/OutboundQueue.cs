using System.Collections.Concurrent;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// What waits to be sent on one connection, and the wake-up of its one writer. Producers (fan-out,
/// the receive loop, the heartbeat scan, a close request) never wait and take no lock, and wake the
/// writer once per batch, not once per item. The writer takes items in the order the protocol needs
/// (<see cref="TakeNext"/>): control frames first, then events in seq order, and a catch-up from the
/// log wherever the event queue overflowed, since the log holds every event anyway.
/// </summary>
/// <remarks>
/// Both queues are made on first use: most connections are idle, and an idle one holds neither.
/// Only fan-out (one publisher at a time, under its lock) offers events.
/// </remarks>
internal sealed class OutboundQueue(int eventCapacity, int controlCapacity = OutboundQueue.DefaultControlCapacity, int controlBytes = OutboundQueue.DefaultControlBytes)
{
    public const int DefaultControlCapacity = 256;
    public const int DefaultControlBytes = 128 * 1024;


    private readonly WakeSignal wake = new();
    private ConcurrentQueue<LoggedEvent>? events;
    private int eventCount;
    private ConcurrentQueue<ControlItem>? control;
    private int controlCount;
    private long controlByteCount;
    private int wakePending; // 1 while a wake is on its way to the writer
    private volatile bool completed;
    // Bumped for each event that found the queue full; the writer catches up from the log and then
    // records the mark it caught up to. While they differ, the log has events the queue lacks.
    private long overflowMark;
    private long handledMark;

    /// <summary>Queues an event for the writer; <c>false</c> (nothing queued) when the queue is full or completed.</summary>
    public bool TryEnqueueEvent(LoggedEvent entry)
    {
        if (completed || Volatile.Read(ref eventCount) >= eventCapacity)
        {
            return false;
        }
        Interlocked.Increment(ref eventCount);
        Made(ref events).Enqueue(entry);
        Wake();
        return true;
    }

    /// <summary>Records that an event did not fit: the writer will send it, and what follows, from the log.</summary>
    public void MarkOverflow()
    {
        Interlocked.Increment(ref overflowMark);
        Wake();
    }

    /// <summary>
    /// Queues a control frame (or a heartbeat, or a close); <c>false</c> when the control queue is full,
    /// in frames or in bytes (a frame past the byte budget is taken only into an empty queue), or completed. The bytes bound what a client that sends large pings or
    /// subscribes and never reads can make the server hold.
    /// </summary>
    public bool TryEnqueueControl(ControlItem item)
    {
        if (completed)
        {
            return false;
        }
        var bytes = item.Bytes;
        if (Interlocked.Increment(ref controlCount) > controlCapacity)
        {
            Interlocked.Decrement(ref controlCount);
            return false;
        }
        // A frame larger than the budget is taken when nothing else waits (an ack of the largest set of
        // patterns may be), so the budget bounds what waits to itself plus one frame.
        var total = Interlocked.Add(ref controlByteCount, bytes);
        if (total > controlBytes && total != bytes)
        {
            Interlocked.Add(ref controlByteCount, -bytes);
            Interlocked.Decrement(ref controlCount);
            return false;
        }
        Made(ref control).Enqueue(item);
        Wake();
        return true;
    }

    /// <summary>Wakes the writer with nothing queued (a conflated event it holds has come due).</summary>
    public void Poke() => Wake();

    /// <summary>Takes nothing more: later offers fail, and the writer's wait ends with <c>false</c>.</summary>
    public void Complete()
    {
        completed = true;
        wake.Close();
    }

    /// <summary>Writer: call before draining; whatever is queued from now on wakes the next <see cref="WaitAsync"/>.</summary>
    public void BeginDrain() => Volatile.Write(ref wakePending, 0);

    /// <summary>Writer: waits for something to send; <c>false</c> once completed.</summary>
    public ValueTask<bool> WaitAsync() => wake.WaitAsync();

    /// <summary>
    /// Writer: what to send next, given the seq of the last event this connection has handled.
    /// Events the connection already has (at or before <paramref name="position"/>) are passed over;
    /// an event queued after an overflow is left to the catch-up, which sends both in order.
    /// </summary>
    public Next TakeNext(long position)
    {
        while (true)
        {
            if (Volatile.Read(ref control) is { } controls && controls.TryDequeue(out var item))
            {
                Interlocked.Add(ref controlByteCount, -item.Bytes);
                Interlocked.Decrement(ref controlCount);
                return new Next(NextKind.Control, item, null);
            }
            if (Overflowed)
            {
                return new Next(NextKind.CatchUp, default, null);
            }
            if (Volatile.Read(ref events) is not { } queue || !queue.TryDequeue(out var entry))
            {
                return default;
            }
            Interlocked.Decrement(ref eventCount);
            if (entry.Seq <= position)
            {
                continue; // the snapshot, the replay or a catch-up covered it
            }
            return Overflowed ? new Next(NextKind.CatchUp, default, null) : new Next(NextKind.Event, default, entry);
        }
    }

    private bool Overflowed => Volatile.Read(ref overflowMark) != handledMark;

    /// <summary>Writer: starts a catch-up from the log; pass the result to <see cref="EndCatchUp"/> once it reached the log's end.</summary>
    public long BeginCatchUp() => Volatile.Read(ref overflowMark);

    /// <summary>
    /// Writer: the catch-up begun at <paramref name="mark"/> is done. An overflow after the mark was
    /// read may be of an event the log appended after the catch-up's last read: the mismatch brings
    /// the writer back to catch up again.
    /// </summary>
    public void EndCatchUp(long mark) => handledMark = mark;

    /// <summary>Writer: lets go of everything queued (the client resumes from the log).</summary>
    public void Clear()
    {
        if (Volatile.Read(ref events) is { } queue)
        {
            queue.Clear();
            Volatile.Write(ref eventCount, 0);
        }
        if (Volatile.Read(ref control) is { } controls)
        {
            controls.Clear();
            Volatile.Write(ref controlCount, 0);
            Interlocked.Exchange(ref controlByteCount, 0);
        }
    }

    private void Wake()
    {
        if (Volatile.Read(ref wakePending) == 0 && Interlocked.Exchange(ref wakePending, 1) == 0)
        {
            wake.Set();
        }
    }

    private static ConcurrentQueue<T> Made<T>(ref ConcurrentQueue<T>? queue) =>
        Volatile.Read(ref queue) ?? Interlocked.CompareExchange(ref queue, new ConcurrentQueue<T>(), null) ?? queue;

    /// <summary>What the writer does next.</summary>
    public enum NextKind
    {
        /// <summary>Nothing is queued: wait.</summary>
        None,
        /// <summary>Send <see cref="Next.Control"/>.</summary>
        Control,
        /// <summary>Send from the log what follows the connection's position, then call <see cref="EndCatchUp"/>.</summary>
        CatchUp,
        /// <summary>Send <see cref="Next.Event"/>.</summary>
        Event,
    }

    /// <summary>The writer's next step.</summary>
    public readonly record struct Next(NextKind Kind, ControlItem Control, LoggedEvent? Event);
}

/// <summary>A control frame, a heartbeat (made when sent, with the writer's position), or (with neither) a close once the frames before it are out.</summary>
internal readonly record struct ControlItem(byte[]? Frame, int CloseCode = 0, string? CloseReason = null, bool Heartbeat = false)
{
    public static ControlItem HeartbeatItem => new(null, Heartbeat: true);

    public static ControlItem CloseItem(int code, string reason) => new(null, code, reason);

    /// <summary>What the item counts against the control queue's byte budget (a heartbeat's or a close's frame is made when sent: 64).</summary>
    public int Bytes => Frame?.Length ?? 64;
}
