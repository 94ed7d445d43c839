using System.Globalization;

namespace AgentPulse.Bench;

/// <summary>A measured quantity, as it appears in the table and the JSON.</summary>
internal sealed record MetricDefinition(string Id, string Label, string Unit, bool HigherIsBetter, string Format);

internal static class Metrics
{
    public const string Lost = "lost_events";
    public const string Duplicated = "duplicated_events";
    public const string Stray = "stray_events";
    public const string Mismatched = "mismatched_events";
    public const string RssPerConnection = "rss_per_idle_connection_kb";
    public const string HeapPerConnection = "heap_per_idle_connection_kb";
    public const string OpenRss = "open_rss_connections_ms";
    public const string Resume = "resume_ms";

    public const string OverflowRate = "overflow_events_per_s";
    public const string OverflowServerCpu = "overflow_server_cpu_ms_per_1000";
    public const string OverflowClientCpu = "overflow_load_cpu_ms_per_1000";
    public const string OverflowLost = "overflow_lost_events";
    public const string OverflowDuplicated = "overflow_duplicated_events";
    public const string OverflowStray = "overflow_stray_events";
    public const string OverflowLogReads = "overflow_log_reads";
    public const string OverflowClosed = "overflow_closed_4008";
    public const string OverflowResumes = "overflow_resumes";

    public const string PublishRate = "publish_8_events_per_s";
    public const string PublishP50 = "publish_8_ack_p50_ms";
    public const string PublishP99 = "publish_8_ack_p99_ms";
    public const string PublishBatchRate = "publish_8_batch_events_per_s";
    public const string PublishFailed = "publish_failed_requests";

    public const string ScaleHeld = "scale_connections_held";
    public const string ScaleOpen = "scale_open_s";
    public const string ScaleOpenServerCpu = "scale_open_server_cpu_s";
    public const string ScaleRssPerConnection = "scale_rss_per_connection_kb";
    public const string ScaleHeapPerConnection = "scale_heap_per_connection_kb";
    public const string ScaleRss = "scale_rss_mib";
    public const string ScaleP50 = "scale_broadcast_p50_ms";
    public const string ScaleP99 = "scale_broadcast_p99_ms";
    public const string ScaleMax = "scale_broadcast_max_ms";
    public const string ScaleReached = "scale_broadcast_reached";
    public const string ScaleBroadcastServerCpu = "scale_broadcast_server_cpu_ms";
    public const string ScaleBroadcastClientCpu = "scale_broadcast_load_cpu_ms";
    public const string ScaleLoadRss = "scale_load_process_rss_mib";

    public static string Open(int n) => Invariant($"open_{n}_ms");

    public static string Burst(int n) => Invariant($"burst_{n}_events_per_s");

    public static string ServerCpu(int n) => Invariant($"burst_{n}_server_cpu_ms_per_1000");

    public static string ClientCpu(int n) => Invariant($"burst_{n}_load_cpu_ms_per_1000");

    public static string P50(int n) => Invariant($"latency_{n}_p50_ms");

    public static string P99(int n) => Invariant($"latency_{n}_p99_ms");

    public static string Max(int n) => Invariant($"latency_{n}_max_ms");

    /// <summary>Every metric of the main runs (and of the GC comparison) with these settings, in table order.</summary>
    public static IReadOnlyList<MetricDefinition> ForRuns(BenchSettings s)
    {
        var list = new List<MetricDefinition>();
        foreach (var n in s.Sizes)
        {
            list.Add(new(Burst(n), Invariant($"Delivered events/s, burst of {s.BurstEvents:N0} to N={n:N0}"), "events/s", true, "N0"));
        }
        foreach (var n in s.Sizes)
        {
            list.Add(new(ServerCpu(n), Invariant($"Server CPU per 1,000 deliveries, burst N={n:N0}"), "ms", false, "F2"));
            list.Add(new(ClientCpu(n), Invariant($"Load-process CPU per 1,000 deliveries, burst N={n:N0}"), "ms", false, "F2"));
        }
        foreach (var n in s.Sizes)
        {
            var at = Invariant($"N={n:N0} × {s.LatencyRate} ev/s");
            list.Add(new(P50(n), $"Latency p50, {at}", "ms", false, "F2"));
            list.Add(new(P99(n), $"Latency p99, {at}", "ms", false, "F2"));
            list.Add(new(Max(n), $"Latency max, {at}", "ms", false, "F2"));
        }
        if (s.OverflowEvents > 0)
        {
            var burst = Invariant($"burst of {s.OverflowEvents:N0} to N={s.OverflowConnections:N0}");
            list.Add(new(OverflowRate, $"Delivered events/s, {burst}", "events/s", true, "N0"));
            list.Add(new(OverflowServerCpu, Invariant($"Server CPU per 1,000 deliveries, {burst}"), "ms", false, "F2"));
            list.Add(new(OverflowClientCpu, Invariant($"Load-process CPU per 1,000 deliveries, {burst}"), "ms", false, "F2"));
            list.Add(new(OverflowLost, Invariant($"Lost, {burst}"), "events", false, "N0"));
            list.Add(new(OverflowDuplicated, Invariant($"Duplicated, {burst}"), "events", false, "N0"));
            list.Add(new(OverflowStray, Invariant($"Stray, {burst}"), "events", false, "N0"));
            list.Add(new(OverflowLogReads, Invariant($"… log reads (catch-ups and resumes)"), "reads", true, "N0"));
            list.Add(new(OverflowClosed, Invariant($"… connections closed 4008 (agentpulse.queue.overflows)"), "connections", false, "N0"));
            list.Add(new(OverflowResumes, Invariant($"… resumes (agentpulse.resumes)"), "connections", false, "N0"));
        }
        if (s.PublishDuration > TimeSpan.Zero)
        {
            var publishers = Invariant($"{Publishers.Count} publishers on POST /api/events");
            list.Add(new(PublishRate, $"Acknowledged events/s, {publishers}, one event per request", "events/s", true, "N0"));
            list.Add(new(PublishP50, "… time to the 202, p50", "ms", false, "F2"));
            list.Add(new(PublishP99, "… time to the 202, p99", "ms", false, "F2"));
            list.Add(new(PublishBatchRate, Invariant($"Acknowledged events/s, {publishers}, batches of {Publishers.BatchSize}"), "events/s", true, "N0"));
            list.Add(new(PublishFailed, "… requests not answered 202", "requests", false, "N0"));
        }
        list.Add(new(Lost, "Lost events (all phases)", "events", false, "N0"));
        list.Add(new(Duplicated, "Duplicated events (all phases)", "events", false, "N0"));
        list.Add(new(Stray, "Stray events (all phases: late, or of an earlier phase)", "events", false, "N0"));
        list.Add(new(Mismatched, "Events whose payload is not what the id says", "events", false, "N0"));
        foreach (var n in s.Sizes)
        {
            list.Add(new(Open(n), Invariant($"Time to open N={n:N0}"), "ms", false, "N0"));
        }
        list.Add(new(OpenRss, Invariant($"Time to open {s.RssConnections:N0} more (past 100)"), "ms", false, "N0"));
        list.Add(new(RssPerConnection, Invariant($"Server RSS per idle connection, N={s.RssConnections:N0}"), "KB", false, "F1"));
        list.Add(new(HeapPerConnection, "… of which managed heap (after a full GC)", "KB", false, "F1"));
        list.Add(new(Resume, Invariant($"Resume {s.ResumeEvents:N0} missed events"), "ms", false, "F1"));
        return list;
    }

    /// <summary>The metrics of the scale phase.</summary>
    public static IReadOnlyList<MetricDefinition> ForScale(BenchSettings s) =>
    [
        new(ScaleHeld, Invariant($"Connections held (of {s.ScaleConnections:N0})"), "connections", true, "N0"),
        new(ScaleOpen, "Time to open them (past 100)", "s", false, "F1"),
        new(ScaleOpenServerCpu, "Server CPU to open them", "s", false, "F1"),
        new(ScaleRss, "Server RSS with them (after a full GC)", "MiB", false, "N0"),
        new(ScaleRssPerConnection, "Server RSS per connection", "KB", false, "F1"),
        new(ScaleHeapPerConnection, "… of which managed heap", "KB", false, "F1"),
        new(ScaleReached, "One broadcast: connections it reached", "connections", true, "N0"),
        new(ScaleP50, "One broadcast: delivery p50", "ms", false, "N0"),
        new(ScaleP99, "One broadcast: delivery p99", "ms", false, "N0"),
        new(ScaleMax, "One broadcast: delivery max", "ms", false, "N0"),
        new(ScaleBroadcastServerCpu, "One broadcast: server CPU", "ms", false, "N0"),
        new(ScaleBroadcastClientCpu, "One broadcast: load-process CPU", "ms", false, "N0"),
        new(ScaleLoadRss, "Load process RSS (all the clients)", "MiB", false, "N0"),
    ];

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
