using System.Diagnostics;
using System.Globalization;
using AgentPulse.Bench.Load;
using AgentPulse.Bench.Server;

namespace AgentPulse.Bench;

/// <summary>One run of every scenario against one server kind; the results of a run.</summary>
internal sealed class RunResult(ServerKind kind, int run)
{
    public ServerKind Kind { get; } = kind;

    public int Run { get; } = run;

    public Dictionary<string, double> Values { get; } = [];

    public List<string> Notes { get; } = [];

    public void Add(string metric, double value) => Values[metric] = value;

    public void AddTo(string metric, double value) => Values[metric] = Values.GetValueOrDefault(metric) + value;
}

internal sealed class Runner(BenchSettings settings, TextWriter log)
{
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(60);
    private int nextPhase = 1;

    /// <summary>The load side for a server: the SignalR client, or AgentPulse.Client (the raw-socket client with <paramref name="raw"/>).</summary>
    public static IBenchClientFactory ClientFor(ServerKind kind, bool raw = false) =>
        kind == ServerKind.SignalR ? new SignalRClientFactory()
        : raw ? new RawAgentPulseClientFactory()
        : new AgentPulseClientFactory();

    public async Task<RunResult> RunOnceAsync(ServerKind kind, int run, CancellationToken cancellationToken)
    {
        var result = new RunResult(kind, run);
        result.Add(Metrics.Lost, 0);
        result.Add(Metrics.Duplicated, 0);
        var factory = ClientFor(kind, settings.RawClient);

        var server = await ServerProcess.StartAsync(kind, cancellationToken);
        try
        {
            await WarmUpAsync(server, factory, result, cancellationToken);
            foreach (var size in settings.Sizes)
            {
                await ThroughputAndLatencyAsync(server, factory, size, result, cancellationToken);
            }
            if (kind == ServerKind.AgentPulse)
            {
                await ResumeAsync(server, factory, result, cancellationToken);
            }
        }
        finally
        {
            await server.DisposeAsync();
        }

        await IdleMemoryAndHoldAsync(kind, factory, result, cancellationToken);
        return result;
    }

    /// <summary>
    /// Once per kind before the measured runs, not recorded: a server, the warm-up bursts, and a
    /// second burst size, so that the client library in this (long-lived) load process is tiered up
    /// before its first measured run. AgentPulse.Client is JIT-compiled where the SignalR client ships
    /// precompiled; without this the first AgentPulse run pays for it.
    /// </summary>
    public async Task WarmUpLoadProcessAsync(ServerKind kind, CancellationToken cancellationToken)
    {
        var discarded = new RunResult(kind, 0);
        var factory = ClientFor(kind, settings.RawClient);
        var server = await ServerProcess.StartAsync(kind, cancellationToken);
        try
        {
            await WarmUpAsync(server, factory, discarded, cancellationToken);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private async Task ThroughputAndLatencyAsync(ServerProcess server, IBenchClientFactory factory, int size, RunResult result, CancellationToken cancellationToken)
    {
        var set = new ConnectionSet(factory, server.BaseAddress);
        try
        {
            var opened = await set.OpenAsync(size, settings.Parallelism, OpenTimeout, cancellationToken);
            result.Add(Metrics.Open(size), opened.TotalMilliseconds);

            // Warm-up, not measured: about 100,000 deliveries in two bursts with pauses (one in quick mode), so that tiered
            // compilation has promoted the hot paths on both sides. Without it the measure favours
            // SignalR, whose code is precompiled (ReadyToRun) in the shared framework, where the
            // AgentPulse library starts in tier-0 JIT code.
            var warmUp = Math.Max(50, 50_000 / size);
            for (var i = 0; i < (settings.Quick ? 1 : 2); i++)
            {
                await DeliverAsync(server, set, warmUp, rate: 0, recordLatency: false, result, cancellationToken);
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }

            var delivery = await DeliverAsync(server, set, settings.BurstEvents, rate: 0, recordLatency: false, result, cancellationToken);
            var burst = delivery.PerSecond;
            result.Add(Metrics.Burst(size), burst);
            result.Add(Metrics.ServerCpu(size), delivery.ServerCpuPer1000);
            result.Add(Metrics.ClientCpu(size), delivery.LoadCpuPer1000);

            var count = (int)(settings.LatencyRate * settings.LatencyDuration.TotalSeconds);
            var latencies = (await DeliverAsync(server, set, count, settings.LatencyRate, recordLatency: true, result, cancellationToken)).LatenciesMs;
            result.Add(Metrics.P50(size), Stats.Percentile(latencies, 50));
            result.Add(Metrics.P99(size), Stats.Percentile(latencies, 99));
            result.Add(Metrics.Max(size), latencies.Length == 0 ? double.NaN : latencies[^1]);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    N={size,5}: open {opened.TotalMilliseconds,7:F0} ms, burst {burst,10:N0} ev/s (CPU per 1,000: server {delivery.ServerCpuPer1000:F1} ms, clients {delivery.LoadCpuPer1000:F1} ms), latency p50 {result.Values[Metrics.P50(size)]:F2} ms p99 {result.Values[Metrics.P99(size)]:F2} ms max {result.Values[Metrics.Max(size)]:F2} ms"));
        }
        finally
        {
            await set.DisposeAsync();
        }
    }

    /// <summary>
    /// Runs bursts to 100 connections for <see cref="BenchSettings.WarmUp"/> before anything is measured, so
    /// that both servers are measured warm, as a server in service is. A fresh AgentPulse server starts in
    /// tier-0 JIT code (the ASP.NET Core and SignalR code it is compared with is precompiled): its first
    /// bursts cost about twice the CPU per delivery of later ones.
    /// </summary>
    private async Task WarmUpAsync(ServerProcess server, IBenchClientFactory factory, RunResult result, CancellationToken cancellationToken)
    {
        var set = new ConnectionSet(factory, server.BaseAddress);
        try
        {
            await set.OpenAsync(100, settings.Parallelism, OpenTimeout, cancellationToken);
            var until = Stopwatch.GetTimestamp() + (long)(settings.WarmUp.TotalSeconds * Stopwatch.Frequency);
            for (var i = 0; i < 100 && Stopwatch.GetTimestamp() < until; i++)
            {
                await DeliverAsync(server, set, 500, rate: 0, recordLatency: false, result, cancellationToken);
            }
            // Let the background tier-1 compilations land.
            await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);
        }
        finally
        {
            await set.DisposeAsync();
        }
    }

    /// <summary>Publishes <paramref name="count"/> events and waits until every connection has them all.</summary>
    /// <returns>Delivered events per second (from the publish request to the last delivery) and the sorted latencies.</returns>
    private async Task<Delivery> DeliverAsync(
        ServerProcess server, ConnectionSet set, int count, int rate, bool recordLatency, RunResult result, CancellationToken cancellationToken)
    {
        var phase = set.Begin(nextPhase++, count, recordLatency);
        var serverCpu = server.ReadCpuTime();
        var loadCpu = CpuTime.OfSelf();
        var start = Stopwatch.GetTimestamp();
        await server.PublishAsync(phase.Id, count, rate, cancellationToken);
        var complete = await phase.WaitAsync(DeliveryTimeout, cancellationToken);
        var end = complete ? phase.LastCompletedAt : Stopwatch.GetTimestamp();
        serverCpu = server.ReadCpuTime() - serverCpu;
        loadCpu = CpuTime.OfSelf() - loadCpu;
        var (delivered, lost, duplicated) = phase.Totals();
        result.AddTo(Metrics.Lost, lost);
        result.AddTo(Metrics.Duplicated, duplicated);
        if (!complete || lost > 0 || duplicated > 0)
        {
            result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"phase {phase.Id} (N={set.Count}, {count} events, rate {rate}): {(complete ? "complete" : "TIMED OUT")}, lost {lost}, duplicated {duplicated}"));
        }
        var seconds = Stopwatch.GetElapsedTime(start, end).TotalSeconds;
        return new Delivery(
            delivered / seconds,
            phase.SortedLatenciesMs(),
            complete && lost == 0 && duplicated == 0,
            delivered == 0 ? double.NaN : serverCpu.TotalMilliseconds * 1000 / delivered,
            delivered == 0 ? double.NaN : loadCpu.TotalMilliseconds * 1000 / delivered);
    }

    /// <param name="ServerCpuPer1000">Server CPU milliseconds per 1,000 deliveries.</param>
    /// <param name="LoadCpuPer1000">Load process (clients) CPU milliseconds per 1,000 deliveries.</param>
    private sealed record Delivery(double PerSecond, double[] LatenciesMs, bool Exact, double ServerCpuPer1000, double LoadCpuPer1000);

    /// <summary>AgentPulse only: a client leaves, misses <see cref="BenchSettings.ResumeEvents"/> events, and comes back with <c>after</c>.</summary>
    private async Task ResumeAsync(ServerProcess server, IBenchClientFactory factory, RunResult result, CancellationToken cancellationToken)
    {
        var set = new ConnectionSet(factory, server.BaseAddress);
        try
        {
            await set.OpenAsync(1, 1, OpenTimeout, cancellationToken);
            var connection = (IResumableConnection)set.Connections[0];
            await connection.StopAsync(cancellationToken).WaitAsync(OpenTimeout, cancellationToken);
            var position = connection.Position;

            var phase = set.Begin(nextPhase++, settings.ResumeEvents, recordLatency: false);
            await server.PublishAsync(phase.Id, settings.ResumeEvents, rate: 0, cancellationToken);

            var start = Stopwatch.GetTimestamp();
            await connection.ResumeAsync(cancellationToken).WaitAsync(OpenTimeout, cancellationToken);
            var complete = await phase.WaitAsync(DeliveryTimeout, cancellationToken);
            var (_, lost, duplicated) = phase.Totals();
            result.AddTo(Metrics.Lost, lost);
            result.AddTo(Metrics.Duplicated, duplicated);
            var elapsed = Stopwatch.GetElapsedTime(start, complete ? phase.LastCompletedAt : Stopwatch.GetTimestamp());
            result.Add(Metrics.Resume, elapsed.TotalMilliseconds);
            if (!complete || lost > 0 || duplicated > 0)
            {
                result.Notes.Add($"resume: {(complete ? "complete" : "TIMED OUT")}, lost {lost}, duplicated {duplicated}");
            }
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    resume {settings.ResumeEvents} missed events after seq {position}: {elapsed.TotalMilliseconds:F1} ms"));
        }
        finally
        {
            await set.DisposeAsync();
        }
    }

    /// <summary>
    /// On a fresh server: RSS before and after <see cref="BenchSettings.RssConnections"/> idle connections
    /// (after a full GC on the server, both kinds alike), then up to <see cref="BenchSettings.HeldConnections"/>
    /// held for <see cref="BenchSettings.Hold"/>, and one event that must reach every one.
    /// </summary>
    private async Task IdleMemoryAndHoldAsync(ServerKind kind, IBenchClientFactory factory, RunResult result, CancellationToken cancellationToken)
    {
        const int warmUp = 100;
        var server = await ServerProcess.StartAsync(kind, cancellationToken);
        var set = new ConnectionSet(factory, server.BaseAddress);
        try
        {
            await set.OpenAsync(warmUp, settings.Parallelism, OpenTimeout, cancellationToken);
            await DeliverAsync(server, set, 10, rate: 0, recordLatency: false, result, cancellationToken);
            var before = await SettledRssAsync(server, cancellationToken);

            var opened = await set.OpenAsync(settings.RssConnections, settings.Parallelism, OpenTimeout, cancellationToken);
            result.Add(Metrics.OpenRss, opened.TotalMilliseconds);
            var after = await SettledRssAsync(server, cancellationToken);
            var perConnectionKb = (after.RssKib - before.RssKib) * 1024.0 / settings.RssConnections / 1000.0;
            var heapPerConnectionKb = (after.HeapBytes - before.HeapBytes) / 1000.0 / settings.RssConnections;
            result.Add(Metrics.RssPerConnection, perConnectionKb);
            result.Add(Metrics.HeapPerConnection, heapPerConnectionKb);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    RSS {before.RssKib / 1024.0:F1} MiB with {warmUp} connections, {after.RssKib / 1024.0:F1} MiB with {warmUp + settings.RssConnections}: {perConnectionKb:F2} KB per idle connection, of which managed heap {heapPerConnectionKb:F2} KB (opened in {opened.TotalMilliseconds:F0} ms)"));

            if (settings.HeldConnections > 0)
            {
                var more = Math.Max(0, settings.HeldConnections - set.Count);
                var openedMore = await set.OpenAsync(more, settings.Parallelism, OpenTimeout, cancellationToken);
                await Task.Delay(settings.Hold, cancellationToken);
                var serverCount = await server.ConnectionCountAsync(cancellationToken);
                var reached = (await DeliverAsync(server, set, 1, rate: 0, recordLatency: false, result, cancellationToken)).Exact;
                var held = reached && serverCount >= settings.HeldConnections && set.Count >= settings.HeldConnections;
                result.Add(Metrics.Held, held ? 1 : 0);
                result.Add(Metrics.HeldRss, server.ReadRssKib() / 1024.0);
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"    {set.Count} connections ({more} more opened in {openedMore.TotalMilliseconds:F0} ms), held {settings.Hold.TotalSeconds:F0} s: server counts {serverCount}, broadcast reached {(held ? "all" : "NOT all")}; server RSS {server.ReadRssKib() / 1024.0:F0} MiB"));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or System.Net.WebSockets.WebSocketException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            result.Notes.Add($"idle memory / hold: {ex.GetType().Name}: {ex.Message} (at {set.Count} connections)");
            log.WriteLine($"    FAILED at {set.Count} connections: {ex.GetType().Name}: {ex.Message}");
            if (settings.HeldConnections > 0)
            {
                result.Add(Metrics.Held, 0);
            }
        }
        finally
        {
            // Server first: then the clients see their connection drop, and end at once.
            await server.DisposeAsync();
            await set.DisposeAsync();
        }
    }

    /// <returns>The server's RSS in KiB and its managed heap in bytes, after a full GC and a pause.</returns>
    private static async Task<(long RssKib, long HeapBytes)> SettledRssAsync(ServerProcess server, CancellationToken cancellationToken)
    {
        var heap = await server.CollectGarbageAsync(cancellationToken);
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        return (server.ReadRssKib(), heap);
    }
}
