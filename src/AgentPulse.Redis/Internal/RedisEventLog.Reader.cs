using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using StackExchange.Redis;

namespace AgentPulse.Redis.Internal;

internal sealed partial class RedisEventLog
{
    /// <summary>
    /// The node's one reader: <c>XREAD BLOCK</c> from its last seq, every entry handed to the sink in
    /// order. Idle for <see cref="ReadBlock"/>, or back after a failure, it checks the epoch. While Redis is
    /// unreachable it retries with a backoff (at most <see cref="MaxReaderBackoff"/>) and goes on from the
    /// same seq, so nothing is skipped.
    /// </summary>
    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        var reader = readerConnection!.GetDatabase();
        var failures = 0;
        var check = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            long from;
            long readGeneration;
            lock (gate)
            {
                from = lastSeq;
                readGeneration = generation;
            }
            try
            {
                if (check)
                {
                    check = false;
                    if (await CheckEpochAsync())
                    {
                        continue;
                    }
                }
                if (BeforeRead is { } pause)
                {
                    await pause();
                }
                var reply = await reader.ExecuteAsync("XREAD", "COUNT", ReadBatch, "BLOCK", (long)ReadBlock.TotalMilliseconds, "STREAMS", keys.Stream, Id(from));
                if (failures > 0)
                {
                    LogReaderResumed(logger, where, from, failures);
                    failures = 0;
                }
                if (reply.IsNull)
                {
                    check = true; // idle: a Redis that restarted empty is noticed here
                    continue;
                }
                check = Deliver(ParseRead(reply), readGeneration, from);
            }
            catch (Exception ex) when ((ex is RedisException or TimeoutException) && !cancellationToken.IsCancellationRequested)
            {
                if (++failures == 1)
                {
                    LogReaderFailed(logger, where, from, ex);
                }
                check = true;
                var backoff = TimeSpan.FromMilliseconds(Math.Min(MaxReaderBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(failures, 10))));
                try
                {
                    await Task.Delay(backoff, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Not Redis failing but this code: say so loudly, and keep the node reading.
                LogReaderFault(logger, from, ex);
                check = true;
                try
                {
                    await Task.Delay(MaxReaderBackoff, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Awaited before each read: a test holds the reader back with it, as a slow node would be.</summary>
    internal Func<Task>? BeforeRead { get; set; }

    /// <summary>
    /// Hands what one read brought to the sink, in order; a skipped seq (trimmed before this node read it)
    /// is told to the sink as a gap, never passed over in silence.
    /// </summary>
    /// <returns>Whether an entry of another epoch came: the epoch must be checked before reading on.</returns>
    private bool Deliver(List<(RedisValue Id, NameValueEntry[] Values)> read, long readGeneration, long from)
    {
        lock (sinkGate)
        {
            if (readGeneration != Volatile.Read(ref generation))
            {
                return false; // a new epoch came in between: read again from its start
            }
            var batch = new List<LoggedEvent>(read.Count);
            // Past what was handed over already (a read may overlap the start-up load).
            var expected = Math.Max(from, Volatile.Read(ref lastSeq)) + 1;
            var otherEpoch = false;
            foreach (var (id, values) in read)
            {
                var entry = Decode(id, values);
                if (entry is { } e && e.Epoch != epoch)
                {
                    otherEpoch = true;
                    break;
                }
                var seq = entry?.Event.Seq ?? ParseSeq(id);
                if (seq < expected)
                {
                    continue;
                }
                if (seq > expected || entry is null)
                {
                    // Trimmed before this node read it (or unreadable): the clients of this node resume and are told.
                    Hand(batch);
                    batch = new List<LoggedEvent>(read.Count);
                    ResetLocked(LogResetReason.Gap, epoch!, entry is null ? seq : seq - 1);
                    if (entry is null)
                    {
                        LogBadEntry(logger, seq);
                        expected = seq + 1;
                        continue;
                    }
                }
                batch.Add(entry.Value.Event);
                expected = seq + 1;
            }
            Hand(batch);
            return otherEpoch;
        }
    }

    /// <summary>Adds entries to the window and hands them to the sink; the caller holds <see cref="sinkGate"/>.</summary>
    private void Hand(List<LoggedEvent> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }
        lock (gate)
        {
            foreach (var entry in batch)
            {
                recent.Add(entry);
            }
            Volatile.Write(ref lastSeq, batch[^1].Seq);
        }
        try
        {
            sink!.OnCommitted(batch);
        }
        catch (Exception ex)
        {
            LogSinkFailed(logger, batch[0].Seq, ex);
        }
    }

    /// <summary>
    /// The entries of an <c>XREAD</c> answer: in RESP3 a map <c>{stream: [[id, [field, value, …]], …]}</c>,
    /// in RESP2 <c>[[stream, [[id, [field, value, …]], …]]]</c>.
    /// </summary>
    internal static List<(RedisValue Id, NameValueEntry[] Values)> ParseRead(RedisResult reply)
    {
        var entries = new List<(RedisValue, NameValueEntry[])>();
        var top = (RedisResult[])reply!;
        var perStream = reply.Resp3Type == ResultType.Map
            ? Enumerable.Range(0, top.Length / 2).Select(i => top[(2 * i) + 1])
            : top.Select(pair => ((RedisResult[])pair!)[1]);
        foreach (var streamEntries in perStream.Select(r => (RedisResult[])r!))
        {
            foreach (var item in streamEntries)
            {
                var parts = (RedisResult[])item!;
                var fields = (RedisResult[])parts[1]!;
                var values = new NameValueEntry[fields.Length / 2];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = new NameValueEntry((RedisValue)fields[2 * i], (RedisValue)fields[(2 * i) + 1]);
                }
                entries.Add(((RedisValue)parts[0], values));
            }
        }
        return entries;
    }

    /// <summary>An entry as the log's: its event with the seq from the id, its audience, its epoch; <c>null</c> when it cannot be read.</summary>
    private static (LoggedEvent Event, string Epoch)? Decode(RedisValue id, NameValueEntry[] values)
    {
        byte[]? json = null;
        string? user = null;
        string? entryEpoch = null;
        foreach (var field in values)
        {
            switch ((string?)field.Name)
            {
                case "e":
                    json = field.Value;
                    break;
                case "u":
                    user = field.Value;
                    break;
                case "p":
                    entryEpoch = field.Value;
                    break;
            }
        }
        if (json is null || entryEpoch is null)
        {
            return null;
        }
        try
        {
            var cloudEvent = CloudEvent.Parse(json) with { Seq = ParseSeq(id) };
            var audience = string.IsNullOrEmpty(user) ? EventAudience.Public : EventAudience.User(user);
            return (LoggedEvent.Create(cloudEvent, audience), entryEpoch);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The seq of a stream id <c>&lt;seq&gt;-0</c>.</summary>
    internal static long ParseSeq(RedisValue id)
    {
        var text = (string?)id ?? "";
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        return long.Parse(dash < 0 ? text : text.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);
    }
}
