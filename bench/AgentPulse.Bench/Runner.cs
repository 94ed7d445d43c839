using System.Diagnostics;
using System.Globalization;
using System.Net;
using AgentPulse.Bench.Load;
using AgentPulse.Bench.Server;

namespace AgentPulse.Bench;

/// <summary>One run of the scenarios against one column; the results of a run.</summary>
internal sealed class RunResult(Column column, int run, string section)
{
    public Column Column { get; } = column;

    public int Run { get; } = run;

    /// <summary>Which table the run belongs to (<see cref="Sections"/>).</summary>
    public string Section { get; } = section;

    public Dictionary<string, double> Values { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>The server's GC as it reported it (<c>/bench/info</c>).</summary>
    public string? ServerRuntime { get; set; }

    public void Add(string metric, double value) => Values[metric] = value;

    public void AddTo(string metric, double value) => Values[metric] = Values.GetValueOrDefault(metric) + value;
}

internal static class Sections
{
    public const string Main = "main";
    public const string Gc = "gc";
    public const string Scale = "scale";
}

internal sealed class Runner(BenchSettings settings, TextWriter log)
{
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(180);
    private readonly Publishers publishers = new(settings, log);
    private int nextPhase = 1;

    /// <summary>
    /// Every scenario against a fresh server of <paramref name="column"/>, with <paramref name="gc"/>. With
    /// <paramref name="everything"/> also the overflow burst, the resume and the publish phase (the GC comparison leaves them out).
    /// </summary>
    public async Task<RunResult> RunOnceAsync(Column column, int run, string section, GcMode gc, bool everything, CancellationToken cancellationToken)
    {
        var result = new RunResult(column, run, section);
        foreach (var metric in new[] { Metrics.Lost, Metrics.Duplicated, Metrics.Stray, Metrics.Mismatched })
        {
            result.Add(metric, 0);
        }

        var server = await ServerProcess.StartAsync(column, gc, cancellationToken);
        try
        {
            var info = await server.InfoAsync(cancellationToken);
            result.ServerRuntime = $"{(info.ServerGc ? "Server GC" : "workstation GC")} ({info.GcSettings})";
            await WarmUpAsync(server, result, cancellationToken);
            foreach (var size in settings.Sizes)
            {
                await ThroughputAndLatencyAsync(server, size, result, cancellationToken);
            }
            if (everything && settings.OverflowEvents > 0)
            {
                await OverflowAsync(server, result, cancellationToken);
            }
            if (everything && column.Resumable)
            {
                await ResumeAsync(server, result, cancellationToken);
            }
            if (everything && column.Kind == ServerKind.AgentPulse && settings.PublishDuration > TimeSpan.Zero)
            {
                await publishers.RunAsync(server, result, cancellationToken);
            }
        }
        finally
        {
            await server.DisposeAsync();
        }

        await IdleMemoryAsync(column, gc, result, cancellationToken);
        return result;
    }

    /// <summary>
    /// Once per column before the measured runs, not recorded: a server and the warm-up bursts, so that the
    /// client library in this (long-lived) load process is tiered up before its first measured run.
    /// AgentPulse.Client is JIT-compiled where the SignalR client ships precompiled; without this the first
    /// AgentPulse run pays for it.
    /// </summary>
    public async Task WarmUpLoadProcessAsync(Column column, GcMode gc, CancellationToken cancellationToken)
    {
        var discarded = new RunResult(column, 0, "warm-up");
        var server = await ServerProcess.StartAsync(column, gc, cancellationToken);
        try
        {
            await WarmUpAsync(server, discarded, cancellationToken);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private async Task ThroughputAndLatencyAsync(ServerProcess server, int size, RunResult result, CancellationToken cancellationToken) =>
        await WithSetAsync(server, result, async set =>
        {
            var opened = await OpenReadyAsync(server, set, size, cancellationToken);
            result.Add(Metrics.Open(size), opened.TotalMilliseconds);

            // Warm-up, not measured: about 100,000 deliveries in two bursts with pauses (one in quick mode), so that tiered
            // compilation has promoted the hot paths on both sides. Without it the measure favours
            // the baselines, whose code is precompiled (ReadyToRun) in the shared framework, where the
            // AgentPulse libraries start in tier-0 JIT code.
            var warmUp = Math.Max(50, 50_000 / size);
            for (var i = 0; i < (settings.Quick ? 1 : 2); i++)
            {
                await DeliverAsync(server, set, warmUp, rate: 0, recordLatency: false, result, cancellationToken);
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }

            var delivery = await DeliverAsync(server, set, settings.BurstEvents, rate: 0, recordLatency: false, result, cancellationToken);
            result.Add(Metrics.Burst(size), delivery.PerSecond);
            result.Add(Metrics.ServerCpu(size), delivery.ServerCpuPer1000);
            result.Add(Metrics.ClientCpu(size), delivery.LoadCpuPer1000);

            var count = (int)(settings.LatencyRate * settings.LatencyDuration.TotalSeconds);
            var latencies = (await DeliverAsync(server, set, count, settings.LatencyRate, recordLatency: true, result, cancellationToken)).LatenciesMs;
            result.Add(Metrics.P50(size), Stats.Percentile(latencies, 50));
            result.Add(Metrics.P99(size), Stats.Percentile(latencies, 99));
            result.Add(Metrics.Max(size), latencies.Length == 0 ? double.NaN : latencies[^1]);
            log.WriteLine(Invariant(
                $"    N={size,5}: open {opened.TotalMilliseconds,6:F0} ms, burst {delivery.PerSecond,9:N0} ev/s (CPU per 1,000: server {delivery.ServerCpuPer1000:F2} ms, clients {delivery.LoadCpuPer1000:F2} ms), latency p50 {result.Values[Metrics.P50(size)]:F2} p99 {result.Values[Metrics.P99(size)]:F2} max {result.Values[Metrics.Max(size)]:F2} ms"));
            return 0;
        });

    /// <summary>
    /// A burst far past the send queues (1,024), to <see cref="BenchSettings.OverflowConnections"/>: AgentPulse
    /// must catch the connections up from its log, the baselines hold the publisher back. Every connection
    /// must get every event once, in order.
    /// </summary>
    private async Task OverflowAsync(ServerProcess server, RunResult result, CancellationToken cancellationToken) =>
        await WithSetAsync(server, result, async set =>
        {
            await OpenReadyAsync(server, set, settings.OverflowConnections, cancellationToken);
            ClientDrops.Take();
            var before = await server.InfoAsync(cancellationToken);
            var strayBefore = set.Stray;
            var delivery = await DeliverAsync(server, set, settings.OverflowEvents, rate: 0, recordLatency: false, result, cancellationToken);
            var after = await server.InfoAsync(cancellationToken);
            result.Add(Metrics.OverflowRate, delivery.PerSecond);
            result.Add(Metrics.OverflowServerCpu, delivery.ServerCpuPer1000);
            result.Add(Metrics.OverflowClientCpu, delivery.LoadCpuPer1000);
            result.Add(Metrics.OverflowLost, delivery.Lost);
            result.Add(Metrics.OverflowDuplicated, delivery.Duplicated);
            result.Add(Metrics.OverflowStray, set.Stray - strayBefore);
            if (ClientDrops.Take() is { Length: > 0 } drops)
            {
                result.Notes.Add($"burst of {settings.OverflowEvents:N0}: AgentPulse clients that lost their connection, by reason: {drops}");
                log.WriteLine($"    clients that lost their connection in the burst, by reason: {drops}");
            }
            if (before.LogReads >= 0)
            {
                result.Add(Metrics.OverflowLogReads, after.LogReads - before.LogReads);
                result.Add(Metrics.OverflowClosed, after.QueueOverflows - before.QueueOverflows);
                result.Add(Metrics.OverflowResumes, after.Resumes - before.Resumes);
            }
            log.WriteLine(Invariant(
                $"    burst of {settings.OverflowEvents:N0} to N={settings.OverflowConnections:N0}: {delivery.PerSecond,9:N0} ev/s (CPU per 1,000: server {delivery.ServerCpuPer1000:F2} ms, clients {delivery.LoadCpuPer1000:F2} ms), lost {delivery.Lost:N0}, duplicated {delivery.Duplicated:N0}, stray {set.Stray - strayBefore:N0}{(before.LogReads >= 0 ? Invariant($"; log reads {after.LogReads - before.LogReads:N0}, closed 4008 {after.QueueOverflows - before.QueueOverflows:N0}, resumes {after.Resumes - before.Resumes:N0}") : "")}"));
            return 0;
        });

    /// <summary>
    /// Runs bursts to 100 connections for <see cref="BenchSettings.WarmUp"/> before anything is measured, so
    /// that every server is measured warm, as a server in service is. A fresh AgentPulse server starts in
    /// tier-0 JIT code (the ASP.NET Core and SignalR code it is compared with is precompiled): its first
    /// bursts cost about twice the CPU per delivery of later ones.
    /// </summary>
    private async Task WarmUpAsync(ServerProcess server, RunResult result, CancellationToken cancellationToken) =>
        await WithSetAsync(server, result, async set =>
        {
            await OpenReadyAsync(server, set, 100, cancellationToken);
            var until = Stopwatch.GetTimestamp() + (long)(settings.WarmUp.TotalSeconds * Stopwatch.Frequency);
            for (var i = 0; i < 100 && Stopwatch.GetTimestamp() < until; i++)
            {
                await DeliverAsync(server, set, 500, rate: 0, recordLatency: false, result, cancellationToken);
            }
            // Let the background tier-1 compilations land.
            await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
            return 0;
        });

    /// <summary>A set of connections to <paramref name="server"/> for <paramref name="body"/>; after it, closed, its strays counted, and gone from the server.</summary>
    private static async Task<T> WithSetAsync<T>(ServerProcess server, RunResult result, Func<ConnectionSet, Task<T>> body, IReadOnlyList<IPAddress>? localAddresses = null)
    {
        var set = new ConnectionSet(server.Column.Clients, server.BaseAddress, localAddresses);
        try
        {
            return await body(set);
        }
        finally
        {
            await set.DisposeAsync();
            CountFailures(set, result);
            // The next set counts its own connections on the server: wait until these have left it.
            if (!server.HasExited)
            {
                var (left, done) = await server.WaitForConnectionsAsync(c => c == 0, TimeSpan.FromSeconds(30), CancellationToken.None);
                if (!done)
                {
                    result.Notes.Add(Invariant($"{left} connections still counted by the server 30 s after their clients closed"));
                }
            }
        }
    }

    /// <summary>Opens <paramref name="count"/> more connections and waits until the server holds them all, ready for events.</summary>
    /// <returns>From the first handshake until then.</returns>
    public async Task<TimeSpan> OpenReadyAsync(ServerProcess server, ConnectionSet set, int count, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var start = Stopwatch.GetTimestamp();
        await set.OpenAsync(count, settings.Parallelism, timeout ?? OpenTimeout, cancellationToken);
        var (held, done) = await server.WaitForConnectionsAsync(c => c >= set.Count, TimeSpan.FromSeconds(30), cancellationToken);
        if (!done)
        {
            throw new TimeoutException(Invariant($"the server holds {held:N0} connections of the {set.Count:N0} its clients opened"));
        }
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>Publishes <paramref name="count"/> events and waits until every connection has them all.</summary>
    /// <returns>Delivered events per second (from the publish request to the last delivery), the sorted latencies, and what went wrong.</returns>
    public async Task<Delivery> DeliverAsync(
        ServerProcess server, ConnectionSet set, int count, int rate, bool recordLatency, RunResult result, CancellationToken cancellationToken)
    {
        var phase = set.Begin(nextPhase++, count, recordLatency);
        var serverCpu = server.ReadCpuTime();
        var loadCpu = CpuTime.OfSelf();
        var start = Stopwatch.GetTimestamp();
        await server.PublishAsync(phase.Id, count, rate, cancellationToken);
        // At least a minute; more for big phases (at 100,000 deliveries a second).
        var timeout = TimeSpan.FromSeconds(Math.Max(60, (double)count * set.Count / 100_000));
        var complete = await phase.WaitAsync(timeout, cancellationToken);
        var end = complete ? phase.LastCompletedAt : Stopwatch.GetTimestamp();
        serverCpu = server.ReadCpuTime() - serverCpu;
        loadCpu = CpuTime.OfSelf() - loadCpu;
        var (delivered, lost, duplicated) = phase.Totals();
        result.AddTo(Metrics.Lost, lost);
        result.AddTo(Metrics.Duplicated, duplicated);
        if (!complete || lost > 0 || duplicated > 0)
        {
            result.Notes.Add(Invariant(
                $"phase {phase.Id} (N={set.Count:N0}, {count:N0} events, rate {rate}): {(complete ? "complete" : "INCOMPLETE (timed out, or no delivery for 15 s)")}, lost {lost:N0}, duplicated {duplicated:N0}"));
        }
        var seconds = Stopwatch.GetElapsedTime(start, end).TotalSeconds;
        return new Delivery(
            delivered / seconds,
            phase.SortedLatenciesMs(),
            complete,
            lost,
            duplicated,
            delivered == 0 ? double.NaN : serverCpu.TotalMilliseconds * 1000 / delivered,
            delivered == 0 ? double.NaN : loadCpu.TotalMilliseconds * 1000 / delivered,
            serverCpu,
            loadCpu);
    }

    /// <param name="ServerCpuPer1000">Server CPU milliseconds per 1,000 deliveries.</param>
    /// <param name="LoadCpuPer1000">Load process (clients) CPU milliseconds per 1,000 deliveries.</param>
    internal sealed record Delivery(
        double PerSecond, double[] LatenciesMs, bool Complete, long Lost, long Duplicated,
        double ServerCpuPer1000, double LoadCpuPer1000, TimeSpan ServerCpu, TimeSpan LoadCpu);

    /// <summary>AgentPulse only: a client leaves, misses <see cref="BenchSettings.ResumeEvents"/> events, and comes back with <c>after</c>.</summary>
    private async Task ResumeAsync(ServerProcess server, RunResult result, CancellationToken cancellationToken) =>
        await WithSetAsync(server, result, async set =>
        {
            await OpenReadyAsync(server, set, 1, cancellationToken);
            var connection = (IResumableConnection)set.Connections[0];
            await connection.StopAsync(cancellationToken).WaitAsync(OpenTimeout, cancellationToken);
            var position = connection.Position;

            var phase = set.Begin(nextPhase++, settings.ResumeEvents, recordLatency: false);
            await server.PublishAsync(phase.Id, settings.ResumeEvents, rate: 0, cancellationToken);

            var start = Stopwatch.GetTimestamp();
            await connection.ResumeAsync(cancellationToken).WaitAsync(OpenTimeout, cancellationToken);
            var complete = await phase.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            var (_, lost, duplicated) = phase.Totals();
            result.AddTo(Metrics.Lost, lost);
            result.AddTo(Metrics.Duplicated, duplicated);
            var elapsed = Stopwatch.GetElapsedTime(start, complete ? phase.LastCompletedAt : Stopwatch.GetTimestamp());
            result.Add(Metrics.Resume, elapsed.TotalMilliseconds);
            if (!complete || lost > 0 || duplicated > 0)
            {
                result.Notes.Add($"resume: {(complete ? "complete" : "INCOMPLETE (timed out, or no delivery for 15 s)")}, lost {lost}, duplicated {duplicated}");
            }
            log.WriteLine(Invariant($"    resume {settings.ResumeEvents} missed events after seq {position}: {elapsed.TotalMilliseconds:F1} ms"));
            return 0;
        });

    /// <summary>
    /// On a fresh server: RSS before and after <see cref="BenchSettings.RssConnections"/> idle connections
    /// (after a full GC on the server, every column alike).
    /// </summary>
    private async Task IdleMemoryAsync(Column column, GcMode gc, RunResult result, CancellationToken cancellationToken)
    {
        const int warmUp = 100;
        var server = await ServerProcess.StartAsync(column, gc, cancellationToken);
        var set = new ConnectionSet(column.Clients, server.BaseAddress);
        try
        {
            await OpenReadyAsync(server, set, warmUp, cancellationToken);
            await DeliverAsync(server, set, 10, rate: 0, recordLatency: false, result, cancellationToken);
            var before = await SettledMemoryAsync(server, cancellationToken);

            var opened = await OpenReadyAsync(server, set, settings.RssConnections, cancellationToken);
            result.Add(Metrics.OpenRss, opened.TotalMilliseconds);
            var after = await SettledMemoryAsync(server, cancellationToken);
            var perConnectionKb = (after.RssKib - before.RssKib) * 1024.0 / settings.RssConnections / 1000.0;
            var heapPerConnectionKb = (after.HeapBytes - before.HeapBytes) / 1000.0 / settings.RssConnections;
            result.Add(Metrics.RssPerConnection, perConnectionKb);
            result.Add(Metrics.HeapPerConnection, heapPerConnectionKb);
            log.WriteLine(Invariant(
                $"    RSS {before.RssKib / 1024.0:F1} MiB with {warmUp} connections, {after.RssKib / 1024.0:F1} MiB with {warmUp + settings.RssConnections:N0}: {perConnectionKb:F2} KB per idle connection, of which managed heap {heapPerConnectionKb:F2} KB (opened in {opened.TotalMilliseconds:F0} ms)"));
        }
        catch (Exception ex) when (ex is TimeoutException or System.Net.WebSockets.WebSocketException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            result.Notes.Add($"idle memory: {ex.GetType().Name}: {ex.Message} (at {set.Count} connections)");
            log.WriteLine($"    idle memory FAILED at {set.Count} connections: {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            await EndAsync(server, set, result);
        }
    }

    /// <summary>
    /// Ends a server and its set: the server first, so that the clients see their connection drop and end
    /// at once; then counts the set's strays and mismatches into <paramref name="result"/>.
    /// </summary>
    public static async Task EndAsync(ServerProcess server, ConnectionSet set, RunResult result)
    {
        await server.DisposeAsync();
        await set.DisposeAsync();
        CountFailures(set, result);
    }

    private static void CountFailures(ConnectionSet set, RunResult result)
    {
        result.AddTo(Metrics.Stray, set.Stray);
        result.AddTo(Metrics.Mismatched, set.Mismatched);
    }

    /// <returns>The server's RSS in KiB and its managed heap in bytes, after a full GC and a pause.</returns>
    public static async Task<(long RssKib, long HeapBytes)> SettledMemoryAsync(ServerProcess server, CancellationToken cancellationToken)
    {
        var heap = await server.CollectGarbageAsync(cancellationToken);
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        return (server.ReadRssKib(), heap);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
