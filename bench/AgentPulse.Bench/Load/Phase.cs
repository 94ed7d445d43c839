using System.Diagnostics;

namespace AgentPulse.Bench.Load;

/// <summary>
/// One measured phase: every connection should receive events 0..expected-1 of this phase, once,
/// in order. Counts what arrived, what was skipped (lost) or came again (duplicated), and the
/// latency of each delivery.
/// </summary>
internal sealed class Phase
{
    private readonly Counter[] counters;
    private readonly long[]? latencies;
    private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int latencyCount;
    private int completed;
    private long lastCompletedAt;

    public Phase(int id, int expected, int connections, bool recordLatency)
    {
        Id = id;
        Expected = expected;
        counters = new Counter[connections];
        latencies = recordLatency ? new long[(long)expected * connections] : null;
        Done = done.Task;
        if (connections == 0)
        {
            done.SetResult();
        }
    }

    public int Id { get; }

    public int Expected { get; }

    public int Connections => counters.Length;

    /// <summary>Completes when every connection has reached the last event.</summary>
    public Task Done { get; }

    /// <summary>When the last connection reached the last event (a <see cref="Stopwatch"/> timestamp).</summary>
    public long LastCompletedAt => Interlocked.Read(ref lastCompletedAt);

    /// <summary>Called on the connection's own receive path: one caller at a time per connection.</summary>
    public void Record(int connection, int index, long sentAt, long receivedAt)
    {
        if ((uint)connection >= (uint)counters.Length || index < 0 || index >= Expected)
        {
            return;
        }
        ref var c = ref counters[connection];
        if (index < c.Next)
        {
            c.Duplicates++;
            return;
        }
        c.Lost += index - c.Next;
        c.Next = index + 1;
        c.Received++;
        if (latencies is not null)
        {
            var slot = Interlocked.Increment(ref latencyCount) - 1;
            if (slot < latencies.Length)
            {
                latencies[slot] = receivedAt - sentAt;
            }
        }
        if (c.Next == Expected && Interlocked.Increment(ref completed) == counters.Length)
        {
            Interlocked.Exchange(ref lastCompletedAt, receivedAt);
            done.TrySetResult();
        }
    }

    /// <summary>
    /// Waits for every connection to reach the end: at most <paramref name="timeout"/>, and no longer than
    /// <paramref name="stall"/> (default: 15 s) without one more delivery.
    /// </summary>
    /// <returns>Whether all did.</returns>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? stall = null)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var stallLimit = stall ?? TimeSpan.FromSeconds(15);
        var received = Received();
        var progressAt = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                await Done.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            }
            catch (TimeoutException)
            {
            }
            var now = Stopwatch.GetTimestamp();
            var latest = Received();
            if (latest != received)
            {
                received = latest;
                progressAt = now;
            }
            if (now > until || Stopwatch.GetElapsedTime(progressAt, now) > stallLimit)
            {
                return false;
            }
        }
    }

    /// <summary>Deliveries so far (read while they go on: for progress, not for the totals).</summary>
    private long Received()
    {
        long sum = 0;
        for (var i = 0; i < counters.Length; i++)
        {
            sum += Volatile.Read(ref counters[i].Received);
        }
        return sum;
    }

    /// <summary>The totals; events never received count as lost.</summary>
    public (long Delivered, long Lost, long Duplicated) Totals()
    {
        long delivered = 0, lost = 0, duplicated = 0;
        foreach (var c in counters)
        {
            delivered += c.Received;
            lost += c.Lost + (Expected - c.Next);
            duplicated += c.Duplicates;
        }
        return (delivered, lost, duplicated);
    }

    /// <summary>The latencies recorded, in milliseconds, sorted.</summary>
    public double[] SortedLatenciesMs()
    {
        if (latencies is null)
        {
            return [];
        }
        var n = Math.Min(Volatile.Read(ref latencyCount), latencies.Length);
        var ms = new double[n];
        var perMs = Stopwatch.Frequency / 1000.0;
        for (var i = 0; i < n; i++)
        {
            ms[i] = latencies[i] / perMs;
        }
        Array.Sort(ms);
        return ms;
    }

    private struct Counter
    {
        public int Next;
        public int Received;
        public long Lost;
        public long Duplicates;
    }
}
