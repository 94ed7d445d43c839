using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentPulse.Bench;

internal sealed record Summary(double Median, double Min, double Max, IReadOnlyList<double> Values);

/// <param name="Values">By column id.</param>
/// <param name="Ratios">Subject / baseline of the medians, by "subject/baseline" column ids.</param>
internal sealed record MetricRow(
    string Id, string Label, string Unit, bool HigherIsBetter, string Format,
    IReadOnlyDictionary<string, Summary> Values, IReadOnlyDictionary<string, double> Ratios);

internal sealed record SectionReport(string Id, string Title, string Gc, IReadOnlyList<MetricRow> Metrics);

internal sealed record ColumnInfo(string Id, string Name, string Server, string Client);

internal sealed record TargetRow(string Target, string Measured, bool? Meets)
{
    public string Verdict => Meets switch { true => "meets", false => "falls short", null => "not measured" };
}

internal sealed record MachineInfo(int Cores, string Memory, string Os, string Runtime, string OpenFileLimit, string Load);

internal sealed record BenchReport(
    DateTimeOffset StartedAt,
    double DurationSeconds,
    string Mode,
    string Command,
    int RunsPerColumn,
    string Order,
    IReadOnlyList<ColumnInfo> Columns,
    IReadOnlyList<string> ServerRuntime,
    string ServerEnvironment,
    string ClockCheck,
    MachineInfo Machine,
    IReadOnlyList<SectionReport> Sections,
    IReadOnlyList<TargetRow> Targets,
    IReadOnlyList<string> Notes);

internal static class Report
{
    public static BenchReport Build(
        BenchSettings settings, string command, IReadOnlyList<RunResult> runs, DateTimeOffset startedAt, TimeSpan duration, string clockCheck, MachineInfo machine)
    {
        var sections = new List<SectionReport>();
        if (runs.Any(r => r.Section == Sections.Main))
        {
            sections.Add(Section(settings, runs, Sections.Main, $"Servers on {settings.Gc.Name()}", settings.Gc, Metrics.ForRuns(settings)));
        }
        if (runs.Any(r => r.Section == Sections.Gc))
        {
            sections.Add(Section(settings, runs, Sections.Gc,
                Invariant($"The same on {settings.Gc.Other().Name()} ({settings.GcRuns} runs per column; no overflow burst, no resume)"),
                settings.Gc.Other(), Metrics.ForRuns(settings)));
        }
        if (runs.Any(r => r.Section == Sections.Scale))
        {
            sections.Add(Section(settings, runs, Sections.Scale,
                Invariant($"{settings.ScaleConnections:N0} idle connections (one run per column, {settings.Gc.Name()})"),
                settings.Gc, Metrics.ForScale(settings)));
        }

        var notes = (settings.ScaleLimit is { } limit ? [Invariant($"Scale phase: {limit}.")] : new List<string>()).Concat(runs.SelectMany(r => r.Notes.Select(n => Invariant($"{r.Column.Name} {SectionName(r.Section)} run {r.Run}: {n}")))).ToList();
        var runtime = runs.Where(r => r.ServerRuntime is not null)
            .Select(r => $"{SectionName(r.Section)}, {r.Column.Name}: {r.ServerRuntime}")
            .Distinct()
            .ToList();
        return new BenchReport(
            startedAt,
            Math.Round(duration.TotalSeconds, 1),
            settings.Quick ? "quick" : "full",
            command,
            settings.Runs,
            string.Join(", ", settings.Columns.Select(c => c.Name)),
            settings.Columns.Select(c => new ColumnInfo(c.Id, c.Name, c.Server, c.Clients.Description)).ToList(),
            runtime,
            ServerProcess.ExtraEnvironment,
            clockCheck,
            machine,
            sections,
            Targets(settings, sections),
            notes);
    }

    private static string SectionName(string section) => section switch
    {
        Sections.Gc => "other-GC",
        Sections.Scale => "scale",
        _ => "main",
    };

    private static SectionReport Section(BenchSettings settings, IReadOnlyList<RunResult> runs, string id, string title, GcMode gc, IReadOnlyList<MetricDefinition> metrics)
    {
        var rows = new List<MetricRow>();
        foreach (var metric in metrics)
        {
            var values = new Dictionary<string, Summary>();
            foreach (var column in settings.Columns)
            {
                if (Summarize(runs.Where(r => r.Section == id && r.Column == column), metric.Id) is { } summary)
                {
                    values[column.Id] = summary;
                }
            }
            var ratios = new Dictionary<string, double>();
            foreach (var (subject, baseline) in Pairs(settings))
            {
                if (values.TryGetValue(subject.Id, out var s) && values.TryGetValue(baseline.Id, out var b) && b.Median != 0 && s.Median != 0)
                {
                    ratios[$"{subject.Id}/{baseline.Id}"] = s.Median / b.Median;
                }
            }
            if (values.Count > 0)
            {
                rows.Add(new MetricRow(metric.Id, metric.Label, metric.Unit, metric.HigherIsBetter, metric.Format, values, ratios));
            }
        }
        return new SectionReport(id, title, gc.Name(), rows);
    }

    /// <summary>Each subject column against each baseline column, and the SQLite log against the memory log (issue 11).</summary>
    private static IEnumerable<(Column Subject, Column Baseline)> Pairs(BenchSettings settings) =>
        (from subject in settings.Columns.Where(c => c.IsSubject)
         from baseline in settings.Columns.Where(c => !c.IsSubject)
         select (subject, baseline))
        .Concat(settings.Columns.Contains(Columns.AgentPulse) && settings.Columns.Contains(Columns.AgentPulseMemory)
            ? [(Columns.AgentPulse, Columns.AgentPulseMemory)]
            : []);

    private static Summary? Summarize(IEnumerable<RunResult> runs, string metric)
    {
        var values = runs.Where(r => r.Values.ContainsKey(metric)).Select(r => r.Values[metric]).Where(v => !double.IsNaN(v)).ToList();
        return values.Count == 0 ? null : new Summary(Stats.Median(values), values.Min(), values.Max(), values);
    }

    private static List<TargetRow> Targets(BenchSettings settings, IReadOnlyList<SectionReport> sections)
    {
        var subject = Columns.AgentPulse.Id;
        var raw = Columns.Raw.Id;
        var signalR = Columns.SignalR.Id;
        MetricRow? Row(string section, string metric) => sections.FirstOrDefault(s => s.Id == section)?.Metrics.FirstOrDefault(m => m.Id == metric);
        Summary? Value(string section, string metric, string column) => Row(section, metric)?.Values.GetValueOrDefault(column);
        double? Ratio(string metric, string baseline) => Row(Sections.Main, metric)?.Ratios.TryGetValue($"{subject}/{baseline}", out var r) == true ? r : null;

        var targets = new List<TargetRow>();

        var burstSignalR = Ratio(Metrics.Burst(1000), signalR);
        var burstRaw = Ratio(Metrics.Burst(1000), raw);
        targets.Add(new("Delivered events/s at N=1,000: ≥ 2.5× SignalR and ≥ 1.0× raw",
            burstSignalR is null || burstRaw is null ? "not measured" : Invariant($"{burstSignalR:F2}× SignalR, {burstRaw:F2}× raw"),
            burstSignalR is null || burstRaw is null ? null : burstSignalR >= 2.5 && burstRaw >= 1.0));

        foreach (var (size, limit) in new[] { (1000, 0.3), (100, 0.5) })
        {
            var ratio = Ratio(Metrics.P99(size), signalR);
            var p99 = Value(Sections.Main, Metrics.P99(size), subject)?.Median;
            targets.Add(new(Invariant($"p99 latency at N={size:N0} × {settings.LatencyRate} ev/s: ≤ {limit:F1}× SignalR"),
                ratio is null ? "not measured" : Invariant($"{ratio:F2}× ({p99:F2} ms against {Value(Sections.Main, Metrics.P99(size), signalR)!.Median:F2} ms)"),
                ratio is null ? null : ratio <= limit));
        }

        var rss = Value(Sections.Main, Metrics.RssPerConnection, subject)?.Median;
        var rssRaw = Value(Sections.Main, Metrics.RssPerConnection, raw)?.Median;
        targets.Add(new("RSS per idle connection at N=5,000: ≤ 16 KB and ≤ raw + 4 KB",
            rss is null || rssRaw is null ? "not measured"
            : settings.RssConnections != 5000 ? Invariant($"not measured at 5,000 (at {settings.RssConnections:N0}: {rss:F1} KB, raw {rssRaw:F1} KB)")
            : Invariant($"{rss:F1} KB (raw {rssRaw:F1} KB)"),
            rss is null || rssRaw is null || settings.RssConnections != 5000 ? null : rss <= 16 && rss <= rssRaw + 4));

        var held = Value(Sections.Scale, Metrics.ScaleHeld, subject)?.Median;
        if (held is null || settings.ScaleConnections < 100_000)
        {
            targets.Add(new("100,000 idle connections: held; ≤ 16 KB each; one broadcast reaches all in p99 ≤ 2 s",
                settings.Quick ? "not measured (quick mode: the full run has the scale phase)"
                : held is null ? "not measured"
                : Invariant($"not measured at 100,000 ({(settings.ScaleLimit is null ? "the run asked for fewer" : "the open-files limit")}; at {settings.ScaleConnections:N0}: held {held:N0}, {Value(Sections.Scale, Metrics.ScaleRssPerConnection, subject)?.Median:F1} KB each, broadcast p99 {Value(Sections.Scale, Metrics.ScaleP99, subject)?.Median:N0} ms)"), null));
        }
        else
        {
            var perConnection = Value(Sections.Scale, Metrics.ScaleRssPerConnection, subject)?.Median ?? double.NaN;
            var reached = Value(Sections.Scale, Metrics.ScaleReached, subject)?.Median ?? 0;
            var p99 = Value(Sections.Scale, Metrics.ScaleP99, subject)?.Median ?? double.NaN;
            targets.Add(new("100,000 idle connections: held; ≤ 16 KB each; one broadcast reaches all in p99 ≤ 2 s",
                Invariant($"held {held:N0}; {perConnection:F1} KB each; reached {reached:N0}, p99 {p99:N0} ms"),
                held >= 100_000 && reached >= 100_000 && perConnection <= 16 && p99 <= 2000));
        }

        // For each AgentPulse column: the shipped app (SQLite log) and the memory log, whose catch-ups are all from memory.
        foreach (var column in new[] { Columns.AgentPulse, Columns.AgentPulseMemory }.Where(settings.Columns.Contains))
        {
            var id = column.Id;
            var overflowTarget = Invariant($"Burst of 20,000 to N=1,000, {column.Name}: 0 lost, 0 duplicated, 0 stray; catch-up exercised (log reads > 0, no resume)");
            if (Value(Sections.Main, Metrics.OverflowLost, id) is not { } lost)
            {
                targets.Add(new(overflowTarget, "not measured", null));
                continue;
            }
            var duplicated = Value(Sections.Main, Metrics.OverflowDuplicated, id)!.Values.Sum();
            var stray = Value(Sections.Main, Metrics.OverflowStray, id)!.Values.Sum();
            var reads = Value(Sections.Main, Metrics.OverflowLogReads, id)?.Values ?? [];
            var closed = Value(Sections.Main, Metrics.OverflowClosed, id)?.Values.Sum() ?? 0;
            var resumes = Value(Sections.Main, Metrics.OverflowResumes, id)?.Values.Sum() ?? 0;
            var measured = Invariant($"lost {lost.Values.Sum():N0}, duplicated {duplicated:N0}, stray {stray:N0}; log reads {reads.Sum():N0}, closed 4008 {closed:N0}, resumes {resumes:N0} (over {lost.Values.Count} runs)");
            var meets = lost.Values.Sum() == 0 && duplicated == 0 && stray == 0 && reads.Count > 0 && reads.All(r => r > 0) && resumes == 0;
            targets.Add(settings.OverflowEvents == 20_000 && settings.OverflowConnections == 1000
                ? new(overflowTarget, measured, meets)
                : new(overflowTarget, Invariant($"not measured at 20,000 (burst of {settings.OverflowEvents:N0}: {measured})"), null));
        }

        targets.AddRange(DurableLogTargets(settings, sections));

        var failures = new[] { Metrics.Lost, Metrics.Duplicated, Metrics.Stray, Metrics.Mismatched }
            .Select(m => (Metric: m, Sum: sections.Sum(s => s.Metrics.FirstOrDefault(r => r.Id == m)?.Values.GetValueOrDefault(subject)?.Values.Sum() ?? 0)))
            .ToList();
        targets.Add(new("Every phase, every run: 0 lost, 0 duplicated, 0 stray, 0 mismatched",
            Invariant($"lost {failures[0].Sum:N0}, duplicated {failures[1].Sum:N0}, stray {failures[2].Sum:N0}, mismatched {failures[3].Sum:N0}"),
            failures.All(f => f.Sum == 0)));
        return targets;
    }

    /// <summary>
    /// Issue 11's targets: the SQLite log (the shipped app) against the memory log, on the same rows of the
    /// same run, and the publish throughput of the SQLite log.
    /// </summary>
    private static IEnumerable<TargetRow> DurableLogTargets(BenchSettings settings, IReadOnlyList<SectionReport> sections)
    {
        var sqlite = Columns.AgentPulse.Id;
        var memory = Columns.AgentPulseMemory.Id;
        double? Median(string metric, string column) =>
            sections.FirstOrDefault(s => s.Id == Sections.Main)?.Metrics.FirstOrDefault(m => m.Id == metric)?.Values.GetValueOrDefault(column)?.Median;

        TargetRow Ratio(string target, string metric, string unit, string format, Func<double, bool> meets)
        {
            if (Median(metric, sqlite) is not { } s || Median(metric, memory) is not { } m || m == 0)
            {
                return new(target, "not measured", null);
            }
            var ratio = s / m;
            return new(target,
                Invariant($"{ratio:F2}× ({s.ToString(format, CultureInfo.InvariantCulture)} against {m.ToString(format, CultureInfo.InvariantCulture)} {unit})"),
                meets(ratio));
        }

        yield return Ratio("SQLite log: delivered events/s at N=1,000 ≥ 0.9× memory log", Metrics.Burst(1000), "events/s", "N0", r => r >= 0.9);
        yield return Ratio(Invariant($"SQLite log: publish-to-deliver p99 at N=100 × {settings.LatencyRate} ev/s ≤ 1.5× memory log"), Metrics.P99(100), "ms", "F2", r => r <= 1.5);

        const string publishTarget = "SQLite log: ≥ 50,000 acknowledged publishes/s from 8 concurrent publishers (POST /api/events, one event per request)";
        if (Median(Metrics.PublishRate, sqlite) is not { } rate)
        {
            yield return new(publishTarget, "not measured", null);
            yield break;
        }
        var memoryRate = Median(Metrics.PublishRate, memory);
        var batched = Median(Metrics.PublishBatchRate, sqlite);
        yield return new(publishTarget,
            Invariant($"{rate:N0} events/s (memory log {(memoryRate is { } mr ? mr.ToString("N0", CultureInfo.InvariantCulture) : "n/a")}; in batches of {Publishers.BatchSize}: {(batched is { } b ? b.ToString("N0", CultureInfo.InvariantCulture) : "n/a")})"),
            rate >= 50_000);
    }

    public static string Markdown(BenchReport report)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Invariant($"Bench run {report.StartedAt:yyyy-MM-dd HH:mm} UTC, {report.Mode} mode, {report.RunsPerColumn} runs per column, alternating ({report.Order}); {report.DurationSeconds:N0} s. Regenerate: `{report.Command}`."));
        sb.AppendLine();
        sb.AppendLine(Invariant($"Machine: {report.Machine.Cores} cores, {report.Machine.Memory} memory, {report.Machine.Os}, .NET {report.Machine.Runtime}; open files {report.Machine.OpenFileLimit}; load average (1, 5, 15 min) {report.Machine.Load}."));
        sb.AppendLine();
        foreach (var column in report.Columns)
        {
            sb.AppendLine($"- **{column.Name}**: {column.Server}. Client: {column.Client}.");
        }
        var pairs = report.Sections.SelectMany(s => s.Metrics).SelectMany(m => m.Ratios.Keys).Distinct().ToList();
        foreach (var section in report.Sections)
        {
            sb.AppendLine();
            sb.AppendLine($"**{section.Title}.** Medians with min–max over the runs; ratios of the medians (above 1 is better for events/s and counts reached, below 1 for times, CPU and memory).");
            sb.AppendLine();
            sb.Append("| Metric |");
            foreach (var column in report.Columns)
            {
                sb.Append($" {column.Name} |");
            }
            foreach (var pair in pairs)
            {
                sb.Append($" {PairName(report, pair)} |");
            }
            sb.AppendLine();
            sb.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", report.Columns.Count + pairs.Count)));
            foreach (var row in section.Metrics)
            {
                sb.Append($"| {row.Label}{(row.Unit.Length > 0 ? $" ({row.Unit})" : "")} |");
                foreach (var column in report.Columns)
                {
                    sb.Append($" {Cell(row.Values.GetValueOrDefault(column.Id), row.Format)} |");
                }
                foreach (var pair in pairs)
                {
                    sb.Append($" {(row.Ratios.TryGetValue(pair, out var r) ? r.ToString("F2", CultureInfo.InvariantCulture) + "×" : "n/a")} |");
                }
                sb.AppendLine();
            }
        }
        sb.AppendLine();
        sb.AppendLine("| Target | Measured (AgentPulse) | Verdict |");
        sb.AppendLine("|---|---|---|");
        foreach (var t in report.Targets)
        {
            sb.AppendLine($"| {t.Target} | {t.Measured} | {t.Verdict} |");
        }
        sb.AppendLine();
        sb.AppendLine($"Servers' runtime, as each reported it: {string.Join("; ", report.ServerRuntime)}.");
        if (report.ServerEnvironment.Length > 0)
        {
            sb.AppendLine($"Extra server environment (BENCH_SERVER_ENV): {report.ServerEnvironment}.");
        }
        sb.AppendLine($"Clock: {report.ClockCheck}.");
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

    private static string PairName(BenchReport report, string pair)
    {
        var ids = pair.Split('/');
        string Name(string id) => report.Columns.FirstOrDefault(c => c.Id == id)?.Name ?? id;
        return $"{Name(ids[0])} / {Name(ids[1])}";
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
