using System.Globalization;

namespace AgentPulse.Bench;

/// <summary>A measured quantity, as it appears in the table and the JSON.</summary>
internal sealed record MetricDefinition(string Id, string Label, string Unit, bool HigherIsBetter, string Format);

internal static class Metrics
{
    public const string Lost = "lost_events";
    public const string Duplicated = "duplicated_events";
    public const string RssPerConnection = "rss_per_idle_connection_kb";
    public const string HeapPerConnection = "heap_per_idle_connection_kb";
    public const string OpenRss = "open_rss_connections_ms";
    public const string Held = "connections_held";
    public const string HeldRss = "rss_at_held_mib";
    public const string Resume = "resume_ms";

    public static string Open(int n) => Invariant($"open_{n}_ms");

    public static string Burst(int n) => Invariant($"burst_{n}_events_per_s");

    public static string ServerCpu(int n) => Invariant($"burst_{n}_server_cpu_ms_per_1000");

    public static string ClientCpu(int n) => Invariant($"burst_{n}_load_cpu_ms_per_1000");

    public static string P50(int n) => Invariant($"latency_{n}_p50_ms");

    public static string P99(int n) => Invariant($"latency_{n}_p99_ms");

    public static string Max(int n) => Invariant($"latency_{n}_max_ms");

    /// <summary>Every metric of a run with these settings, in table order.</summary>
    public static IReadOnlyList<MetricDefinition> For(BenchSettings s)
    {
        var list = new List<MetricDefinition>();
        foreach (var n in s.Sizes)
        {
            list.Add(new(Burst(n), Invariant($"Delivered events/s, burst of {s.BurstEvents} to N={n:N0}"), "events/s", true, "N0"));
        }
        foreach (var n in s.Sizes)
        {
            list.Add(new(ServerCpu(n), Invariant($"Server CPU per 1,000 deliveries, burst N={n:N0}"), "ms", false, "F1"));
            list.Add(new(ClientCpu(n), Invariant($"Load-process CPU per 1,000 deliveries, burst N={n:N0}"), "ms", false, "F1"));
        }
        foreach (var n in s.Sizes)
        {
            var at = Invariant($"N={n:N0} × {s.LatencyRate} ev/s");
            list.Add(new(P50(n), $"Latency p50, {at}", "ms", false, "F2"));
            list.Add(new(P99(n), $"Latency p99, {at}", "ms", false, "F2"));
            list.Add(new(Max(n), $"Latency max, {at}", "ms", false, "F2"));
        }
        list.Add(new(Lost, "Lost events (all phases)", "events", false, "N0"));
        list.Add(new(Duplicated, "Duplicated events (all phases)", "events", false, "N0"));
        foreach (var n in s.Sizes)
        {
            list.Add(new(Open(n), Invariant($"Time to open N={n:N0}"), "ms", false, "N0"));
        }
        list.Add(new(OpenRss, Invariant($"Time to open {s.RssConnections:N0} more (past 100)"), "ms", false, "N0"));
        list.Add(new(RssPerConnection, Invariant($"Server RSS per idle connection, N={s.RssConnections:N0}"), "KB", false, "F1"));
        list.Add(new(HeapPerConnection, Invariant($"… of which managed heap (after a full GC)"), "KB", false, "F1"));
        if (s.HeldConnections > 0)
        {
            list.Add(new(Held, Invariant($"{s.HeldConnections:N0} connections held (1 = yes)"), "", true, "F0"));
            list.Add(new(HeldRss, Invariant($"Server RSS with {s.HeldConnections:N0} connections"), "MiB", false, "F0"));
        }
        list.Add(new(Resume, Invariant($"Resume {s.ResumeEvents:N0} missed events"), "ms", false, "F1"));
        return list;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
