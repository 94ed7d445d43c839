using System.Diagnostics;
using System.Net;
using AgentPulse.Protocol;

namespace AgentPulse.Bench.Load;

/// <summary>N connections to one server, and the phase their events are counted against.</summary>
/// <param name="localAddresses">Loopback addresses to connect from, in turn; <c>null</c>: each client's default socket.</param>
internal sealed class ConnectionSet(IBenchClientFactory factory, Uri server, IReadOnlyList<IPAddress>? localAddresses = null) : IEventSink, IAsyncDisposable
{
    private readonly List<IBenchConnection> connections = [];
    private Phase? phase;
    private long stray;
    private long mismatched;

    public int Count => connections.Count;

    public IReadOnlyList<IBenchConnection> Connections => connections;

    /// <summary>Events that belong to no current phase: a late or repeated one of an earlier phase. Each is a failure.</summary>
    public long Stray => Interlocked.Read(ref stray);

    /// <summary>Events whose payload does not say what their id says. Each is a failure.</summary>
    public long Mismatched => Interlocked.Read(ref mismatched);

    /// <summary>
    /// Opens <paramref name="count"/> more connections, at most <paramref name="parallelism"/> handshakes
    /// at a time, and waits until every one is ready.
    /// </summary>
    /// <returns>The time it took; throws when one fails or the whole takes longer than <paramref name="timeout"/>.</returns>
    public async Task<TimeSpan> OpenAsync(int count, int parallelism, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var fresh = new IBenchConnection[count];
        for (var i = 0; i < count; i++)
        {
            var index = connections.Count + i;
            fresh[i] = factory.Create(server, index, this, localAddresses is { Count: > 0 } a ? a[index % a.Count] : null);
        }
        connections.AddRange(fresh);
        var start = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(
            fresh,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = deadline.Token },
            async (connection, ct) => await connection.ConnectAsync(ct));
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>Starts counting events of a new phase (the ones of the previous phase are strays from now on).</summary>
    public Phase Begin(int id, int expected, bool recordLatency)
    {
        var next = new Phase(id, expected, connections.Count, recordLatency);
        Volatile.Write(ref phase, next);
        return next;
    }

    public void OnEvent(int connection, string id, TaskProgress progress)
    {
        var receivedAt = Stopwatch.GetTimestamp();
        var current = Volatile.Read(ref phase);
        if (current is null || !BenchEvents.TryParseId(id, out var phaseId, out var index, out var sentAt) || phaseId != current.Id)
        {
            Interlocked.Increment(ref stray);
            return;
        }
        if (progress.Current != index + 1)
        {
            Interlocked.Increment(ref mismatched);
            return;
        }
        current.Record(connection, index, sentAt, receivedAt);
    }

    /// <summary>Drops every connection at once (after the server is gone, or to end the set quickly); bounded in time.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var connection in connections)
        {
            connection.Abort();
        }
        var all = connections.Select(async connection =>
        {
            try
            {
                await connection.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception)
            {
                // A connection that does not close in time is left to the process exit.
            }
        });
        try
        {
            await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
        }
        connections.Clear();
    }
}
