using System.Diagnostics;
using System.Globalization;
using AgentPulse.Bench.Load;

namespace AgentPulse.Bench;

/// <summary>
/// <c>--profile agentpulse|raw|signalr [--size N] [--seconds S] [--rate R] [--idle S] [--gc server|workstation]</c>
/// (or <c>--redis --profile agentpulse|agentpulse-redis|agentpulse-redis-2</c>, on a redis-server of its own): one server, N connections, then
/// back-to-back bursts (or a steady rate) for S seconds, so that <c>dotnet-trace collect -p PID</c> or
/// <c>dotnet-counters</c> can attach to the server. Prints <c>PROFILE-READY pid=…</c> when the
/// connections are up, and waits <see cref="AttachDelay"/> before loading. Bounded in time.
/// </summary>
internal static class Profiling
{
    public static readonly TimeSpan AttachDelay = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        await using var redis = args.Contains("--redis") ? await BenchRedis.StartAsync() : null;
        var columns = redis is null ? Columns.All : Columns.RedisComparison(redis.Configuration);
        var column = Columns.AgentPulse;
        var gc = GcModes.Shipped();
        int size = 1000, seconds = 15, rate = 0, idle = 0;
        for (var i = 0; i + 1 < args.Length; i++)
        {
            switch (args[i])
            {
                case "--profile":
                    var id = args[++i];
                    column = columns.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase))
                        ?? throw new ArgumentException($"Unknown column {id}; the columns are {string.Join(", ", columns.Select(c => c.Id))}.");
                    break;
                case "--gc":
                    gc = GcModes.Parse(args[++i]);
                    break;
                case "--size":
                    size = Math.Clamp(int.Parse(args[++i], CultureInfo.InvariantCulture), 1, 20_000);
                    break;
                case "--seconds":
                    seconds = Math.Clamp(int.Parse(args[++i], CultureInfo.InvariantCulture), 1, 120);
                    break;
                case "--rate":
                    rate = Math.Clamp(int.Parse(args[++i], CultureInfo.InvariantCulture), 0, 100_000);
                    break;
                case "--idle":
                    idle = Math.Clamp(int.Parse(args[++i], CultureInfo.InvariantCulture), 0, 600);
                    break;
            }
        }

        var server = await ServerProcess.StartAsync(column, gc, cancellationToken);
        var set = new ConnectionSet(column.Clients, server.BaseAddresses);
        try
        {
            if (idle > 0)
            {
                // RSS per idle connection, as the bench measures it: past 100 warm connections, after a full GC.
                await set.OpenAsync(100, 100, TimeSpan.FromSeconds(120), cancellationToken);
                await server.WaitForConnectionsAsync(c => c >= set.Count, TimeSpan.FromSeconds(30), cancellationToken);
                var heapBefore = await server.CollectGarbageAsync(cancellationToken);
                await Task.Delay(500, cancellationToken);
                var before = server.ReadRssKib();
                await set.OpenAsync(size, 100, TimeSpan.FromSeconds(120), cancellationToken);
                await server.WaitForConnectionsAsync(c => c >= set.Count, TimeSpan.FromSeconds(30), cancellationToken);
                var heapAfter = await server.CollectGarbageAsync(cancellationToken);
                await Task.Delay(500, cancellationToken);
                var after = server.ReadRssKib();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"RSS {before / 1024.0:F1} MiB -> {after / 1024.0:F1} MiB: {(after - before) * 1024.0 / size / 1000:F2} KB per idle connection, managed heap {(heapAfter - heapBefore) / 1000.0 / size:F2} KB ({size} connections)"));
            }
            else
            {
                await set.OpenAsync(size, 100, TimeSpan.FromSeconds(120), cancellationToken);
                await server.WaitForConnectionsAsync(c => c >= set.Count, TimeSpan.FromSeconds(30), cancellationToken);
            }
            Console.WriteLine($"PROFILE-READY pid={server.Pid} load={Environment.ProcessId} column={column.Id} gc={gc} connections={size}");
            if (idle > 0)
            {
                // Idle connections only (for a gcdump or RSS look).
                await Task.Delay(TimeSpan.FromSeconds(idle), cancellationToken);
                return 0;
            }
            await Task.Delay(AttachDelay, cancellationToken);
            var until = Stopwatch.GetTimestamp() + (long)(seconds * (double)Stopwatch.Frequency);
            var phaseId = 1;
            long delivered = 0;
            var cpu = server.ReadCpuTime();
            var start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetTimestamp() < until && !cancellationToken.IsCancellationRequested)
            {
                var count = rate == 0 ? 1000 : rate;
                var phase = set.Begin(phaseId++, count, recordLatency: rate != 0);
                await server.PublishAsync(phase.Id, count, rate, cancellationToken);
                await phase.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                delivered += phase.Totals().Delivered;
                if (rate != 0)
                {
                    var ms = phase.SortedLatenciesMs();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  p50 {Stats.Percentile(ms, 50):F2} ms p99 {Stats.Percentile(ms, 99):F2} ms max {(ms.Length > 0 ? ms[^1] : double.NaN):F2} ms"));
                }
            }
            var elapsed = Stopwatch.GetElapsedTime(start);
            cpu = server.ReadCpuTime() - cpu;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{delivered:N0} deliveries in {elapsed.TotalSeconds:F1} s: {delivered / elapsed.TotalSeconds:N0}/s; server CPU {cpu.TotalMilliseconds * 1000 / Math.Max(1, delivered):F2} ms per 1,000"));
            return 0;
        }
        finally
        {
            await server.DisposeAsync();
            await set.DisposeAsync();
        }
    }
}
