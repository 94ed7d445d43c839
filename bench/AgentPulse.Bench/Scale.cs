using System.Diagnostics;
using System.Globalization;
using AgentPulse.Bench.Load;

namespace AgentPulse.Bench;

/// <summary>
/// The scale phase (full mode): <see cref="BenchSettings.ScaleConnections"/> idle connections to one fresh
/// server, opened from several loopback addresses in chunks, then one broadcast that must reach them all.
/// Bounded: it stops opening when the machine has less than <see cref="MinAvailableMemoryMib"/> MiB of
/// memory left, and records how far it got and why when opening fails.
/// </summary>
internal sealed class Scale(BenchSettings settings, Runner runner, TextWriter log)
{
    private const int Chunk = 5000;
    private const int WarmConnections = 100;
    public const long MinAvailableMemoryMib = 3 * 1024;

    public async Task<RunResult> RunAsync(Column column, GcMode gc, CancellationToken cancellationToken)
    {
        var result = new RunResult(column, 1, Sections.Scale);
        var target = settings.ScaleConnections;
        var server = await ServerProcess.StartAsync(column, gc, cancellationToken);
        var set = new ConnectionSet(column.Clients, server.BaseAddress, SourceAddresses.For(target));
        try
        {
            var info = await server.InfoAsync(cancellationToken);
            result.ServerRuntime = $"{(info.ServerGc ? "Server GC" : "workstation GC")} ({info.GcSettings})";
            await runner.OpenReadyAsync(server, set, WarmConnections, cancellationToken);
            await runner.DeliverAsync(server, set, 10, rate: 0, recordLatency: false, result, cancellationToken);
            var before = await Runner.SettledMemoryAsync(server, cancellationToken);

            var cpuBefore = server.ReadCpuTime();
            var start = Stopwatch.GetTimestamp();
            string? stopped = null;
            while (set.Count - WarmConnections < target)
            {
                var available = MachineFacts.AvailableMemoryMib();
                if (available < MinAvailableMemoryMib)
                {
                    stopped = Invariant($"stopped opening at {set.Count - WarmConnections:N0} connections: the machine had {available:N0} MiB of memory left (the bench keeps {MinAvailableMemoryMib:N0} MiB)");
                    break;
                }
                var chunk = Math.Min(Chunk, target - (set.Count - WarmConnections));
                try
                {
                    await runner.OpenReadyAsync(server, set, chunk, cancellationToken, TimeSpan.FromMinutes(5));
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
                {
                    stopped = Invariant($"failed while opening connections {set.Count - chunk - WarmConnections + 1:N0}–{set.Count - WarmConnections:N0}: {ex.GetType().Name}: {ex.Message}");
                    break;
                }
                if ((set.Count - WarmConnections) % 20_000 == 0)
                {
                    log.WriteLine(Invariant(
                        $"    {set.Count - WarmConnections,7:N0} open after {Stopwatch.GetElapsedTime(start).TotalSeconds,5:F1} s; server RSS {server.ReadRssKib() / 1024.0:N0} MiB, load process {MachineFacts.SelfRssMib():N0} MiB, machine {MachineFacts.AvailableMemoryMib():N0} MiB available"));
                }
            }
            var openTime = Stopwatch.GetElapsedTime(start);
            var openCpu = server.ReadCpuTime() - cpuBefore;
            if (server.HasExited)
            {
                result.Notes.Add(Invariant($"the server process exited while opening ({stopped})"));
                log.WriteLine($"    the server process exited: {stopped}");
                return result;
            }
            var held = await server.ConnectionCountAsync(cancellationToken) - WarmConnections;
            result.Add(Metrics.ScaleHeld, held);
            result.Add(Metrics.ScaleOpen, openTime.TotalSeconds);
            result.Add(Metrics.ScaleOpenServerCpu, openCpu.TotalSeconds);
            if (stopped is not null)
            {
                result.Notes.Add(stopped);
                log.WriteLine($"    {stopped}");
            }

            var after = await Runner.SettledMemoryAsync(server, cancellationToken);
            result.Add(Metrics.ScaleRss, after.RssKib / 1024.0);
            if (held > 0)
            {
                result.Add(Metrics.ScaleRssPerConnection, (after.RssKib - before.RssKib) * 1024.0 / held / 1000.0);
                result.Add(Metrics.ScaleHeapPerConnection, (after.HeapBytes - before.HeapBytes) / 1000.0 / held);
            }

            // One event to every connection of the set (one that failed to open counts as not reached).
            var broadcast = await runner.DeliverAsync(server, set, 1, rate: 0, recordLatency: true, result, cancellationToken);
            var latencies = broadcast.LatenciesMs;
            result.Add(Metrics.ScaleReached, latencies.Length - WarmConnections);
            result.Add(Metrics.ScaleP50, Stats.Percentile(latencies, 50));
            result.Add(Metrics.ScaleP99, Stats.Percentile(latencies, 99));
            result.Add(Metrics.ScaleMax, latencies.Length == 0 ? double.NaN : latencies[^1]);
            result.Add(Metrics.ScaleBroadcastServerCpu, broadcast.ServerCpu.TotalMilliseconds);
            result.Add(Metrics.ScaleBroadcastClientCpu, broadcast.LoadCpu.TotalMilliseconds);
            result.Add(Metrics.ScaleLoadRss, MachineFacts.SelfRssMib());
            log.WriteLine(Invariant(
                $"    {held:N0} held (opened in {openTime.TotalSeconds:F1} s, server CPU {openCpu.TotalSeconds:F1} s); server RSS {after.RssKib / 1024.0:N0} MiB = {result.Values.GetValueOrDefault(Metrics.ScaleRssPerConnection):F1} KB per connection; one broadcast reached {latencies.Length - WarmConnections:N0}: p50 {result.Values[Metrics.ScaleP50]:F0} ms, p99 {result.Values[Metrics.ScaleP99]:F0} ms, max {result.Values[Metrics.ScaleMax]:F0} ms (server CPU {broadcast.ServerCpu.TotalMilliseconds:F0} ms)"));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            result.Notes.Add(Invariant($"failed at {set.Count - WarmConnections:N0} connections: {ex.GetType().Name}: {ex.Message}"));
            log.WriteLine($"    FAILED at {set.Count - WarmConnections} connections: {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            await Runner.EndAsync(server, set, result);
            // Let the next column start with this process's memory given back.
            GC.Collect();
        }
        return result;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
