using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentPulse.Bench.Server;

namespace AgentPulse.Bench;

internal sealed record Summary(double Median, double Min, double Max, IReadOnlyList<double> Values);

internal sealed record MetricRow(string Id, string Label, string Unit, bool HigherIsBetter, string Format, Summary? AgentPulse, Summary? SignalR, double? Ratio);

internal sealed record TargetRow(string Target, string Measured, bool? Meets)
{
    public string Verdict => Meets switch { true => "meets", false => "falls short", null => "not measured" };
}

internal sealed record MachineInfo(int Cores, string Memory, string Os, string Runtime, string OpenFileLimit, string Load);

internal sealed record BenchReport(
    DateTimeOffset StartedAt,
    double DurationSeconds,
    string Mode,
    int RunsPerServer,
    string Order,
    string AgentPulseClient,
    string ClockCheck,
    MachineInfo Machine,
    IReadOnlyList<MetricRow> Metrics,
    IReadOnlyList<TargetRow> Targets,
    IReadOnlyList<string> Notes);

internal static class Report
{
    public static BenchReport Build(BenchSettings settings, IReadOnlyList<RunResult> runs, DateTimeOffset startedAt, TimeSpan duration, string clockCheck, MachineInfo machine)
    {
        var rows = new List<MetricRow>();
        foreach (var metric in Metrics.For(settings))
        {
            var ap = Summarize(runs, ServerKind.AgentPulse, metric.Id);
            var sr = Summarize(runs, ServerKind.SignalR, metric.Id);
            double? ratio = ap is not null && sr is not null && sr.Median != 0 ? ap.Median / sr.Median : null;
            rows.Add(new MetricRow(metric.Id, metric.Label, metric.Unit, metric.HigherIsBetter, metric.Format, ap, sr, ratio));
        }

        var byId = rows.ToDictionary(r => r.Id);
        var targets = new List<TargetRow>();
        var burstRatio = byId.GetValueOrDefault(Metrics.Burst(1000))?.Ratio;
        targets.Add(new("Delivered events/s at N=1,000 ≥ 2.0× SignalR",
            burstRatio is { } r ? Invariant($"{r:F2}×") : "not measured", burstRatio is null ? null : burstRatio >= 2.0));
        var p99 = byId.GetValueOrDefault(Metrics.P99(100))?.AgentPulse?.Median;
        targets.Add(new(Invariant($"p99 at N=100 × {settings.LatencyRate} ev/s ≤ 10 ms"),
            p99 is { } p ? Invariant($"{p:F2} ms") : "not measured", p99 is null ? null : p99 <= 10));
        var rss = byId.GetValueOrDefault(Metrics.RssPerConnection)?.AgentPulse?.Median;
        targets.Add(new(Invariant($"RSS per idle connection ≤ 20 KB (measured at N={settings.RssConnections:N0})"),
            rss is { } k ? Invariant($"{k:F1} KB") : "not measured", rss is null ? null : rss <= 20));
        var held = byId.GetValueOrDefault(Metrics.Held)?.AgentPulse;
        targets.Add(new("10,000 connections held",
            held is null ? "not measured (quick mode: run the full bench)" : Invariant($"{held.Values.Count(v => v == 1)} of {held.Values.Count} runs"),
            held is null ? null : held.Values.All(v => v == 1)));
        var lost = byId[Metrics.Lost].AgentPulse;
        var dup = byId[Metrics.Duplicated].AgentPulse;
        targets.Add(new("Lost or duplicated events = 0",
            Invariant($"lost {lost?.Values.Sum() ?? 0:N0}, duplicated {dup?.Values.Sum() ?? 0:N0}"),
            lost is not null && dup is not null && lost.Values.Sum() == 0 && dup.Values.Sum() == 0));

        var notes = runs.SelectMany(r => r.Notes.Select(n => Invariant($"{r.Kind} run {r.Run}: {n}"))).ToList();
        return new BenchReport(
            startedAt,
            Math.Round(duration.TotalSeconds, 1),
            settings.Quick ? "quick" : "full",
            settings.Runs,
            string.Join(", ", runs.Select(r => r.Kind == ServerKind.AgentPulse ? "AgentPulse" : "SignalR")),
            Runner.ClientFor(ServerKind.AgentPulse, settings.RawClient).Description,
            clockCheck,
            machine,
            rows,
            targets,
            notes);
    }

    private static Summary? Summarize(IReadOnlyList<RunResult> runs, ServerKind kind, string metric)
    {
        var values = runs.Where(r => r.Kind == kind && r.Values.ContainsKey(metric)).Select(r => r.Values[metric]).Where(v => !double.IsNaN(v)).ToList();
        return values.Count == 0 ? null : new Summary(Stats.Median(values), values.Min(), values.Max(), values);
    }

    public static string Markdown(BenchReport report)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Invariant($"Bench run {report.StartedAt:yyyy-MM-dd HH:mm} UTC, {report.Mode} mode, {report.RunsPerServer} runs per server, alternating; {report.DurationSeconds:F0} s."));
        sb.AppendLine();
        sb.AppendLine(Invariant($"Machine: {report.Machine.Cores} cores, {report.Machine.Memory} memory, {report.Machine.Os}, .NET {report.Machine.Runtime}; open files {report.Machine.OpenFileLimit}; load average (1, 5, 15 min) {report.Machine.Load}."));
        sb.AppendLine();
        sb.AppendLine("Medians with min–max over the runs. Ratio = AgentPulse / SignalR (above 1 is better for events/s, below 1 is better for times and memory).");
        sb.AppendLine();
        sb.AppendLine("| Metric | AgentPulse | SignalR | Ratio |");
        sb.AppendLine("|---|---|---|---|");
        foreach (var row in report.Metrics)
        {
            var format = row.Format;
            sb.AppendLine(Invariant($"| {row.Label}{(row.Unit.Length > 0 ? $" ({row.Unit})" : "")} | {Cell(row.AgentPulse, format)} | {Cell(row.SignalR, format)} | {(row.Ratio is { } r ? r.ToString("F2", CultureInfo.InvariantCulture) + "×" : "n/a")} |"));
        }
        sb.AppendLine();
        sb.AppendLine("| Target | Measured (AgentPulse) | Verdict |");
        sb.AppendLine("|---|---|---|");
        foreach (var t in report.Targets)
        {
            sb.AppendLine($"| {t.Target} | {t.Measured} | {t.Verdict} |");
        }
        sb.AppendLine();
        sb.AppendLine($"AgentPulse load client: {report.AgentPulseClient}. SignalR load client: {Runner.ClientFor(ServerKind.SignalR).Description}. Clock: {report.ClockCheck}.");
        if (report.Notes.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Notes:");
            foreach (var note in report.Notes)
            {
                sb.AppendLine($"- {note}");
            }
        }
        return sb.ToString();
    }

    public static string Json(BenchReport report) =>
        JsonSerializer.Serialize(report, new BenchJsonContext(new JsonSerializerOptions(BenchJsonContext.Default.Options)
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file for people: keep ≤ and quotes readable
        }).BenchReport);

    private static string Cell(Summary? s, string format) =>
        s is null ? "n/a"
        : s.Values.Count == 1 ? s.Median.ToString(format, CultureInfo.InvariantCulture)
        : Invariant($"{s.Median.ToString(format, CultureInfo.InvariantCulture)} ({s.Min.ToString(format, CultureInfo.InvariantCulture)}–{s.Max.ToString(format, CultureInfo.InvariantCulture)})");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
