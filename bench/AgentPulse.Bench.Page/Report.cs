using System.Globalization;
using System.Text.Json;

namespace AgentPulse.Bench.Page;

/// <summary>Writes bench/results/page.md (medians with min–max over the runs, the targets, where the time goes) and page.json.</summary>
internal static class Report
{
    public static void Write(string folder, IReadOnlyList<Scenario> scenarios, Settings settings)
    {
        Directory.CreateDirectory(folder);
        var shipped = scenarios.Single(s => s.Conflated);
        var plain = scenarios.Single(s => !s.Conflated);
        var lines = new List<string>
        {
            $"Page benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {settings.Took.TotalSeconds:0} s; {Environment.ProcessorCount} cores; load average (1, 5, 15 min) {settings.LoadAtStart} at start, {settings.LoadAtEnd} at end.",
            "",
            $"The dashboard at 1280×800 in the OS Chromium (headless, no GPU) while {settings.Rate:N0} `task.progress` events a second are published through `POST /api/events` (batches every 20 ms) over {settings.Tasks} running tasks, against the real server in the bench's process (SQLite log). Each run: a new browser profile, the page loads and connects, 3 s of warm-up, then a measured window of {settings.Seconds} s with a Chromium performance trace (CDP `Tracing`) and {settings.Searches} searches typed during it. {settings.Runs} runs per line; medians with min–max. \"Without conflation\" is the same page with `conflate` taken off its WebSocket URL (an init script): what the page cost before it asked the server to conflate.",
            "",
            "| Metric | As shipped (`conflate=task.progress:10`) | Without conflation | Saved |",
            "|---|---|---|---|",
            Row("Events published (events/s)", s => s.EventsPerSecond, "N0", shipped, plain, saved: false),
            Row("`task.progress` frames the page received (frames/s)", s => s.ProgressFramesPerSecond, "N0", shipped, plain),
            Row("All frames the page received (frames/s)", s => s.FramesPerSecond, "N0", shipped, plain),
            Row("Bytes the page received (KB/s)", s => s.BytesPerSecond / 1024, "N1", shipped, plain),
            Row("Renderer main thread busy (% of the window)", s => s.MainThreadBusy * 100, "N1", shipped, plain),
            Row("Long tasks (> 50 ms) in the window", s => s.LongTasks, "N0", shipped, plain),
            Row("Longest task (ms)", s => s.LongestTaskMs, "N0", shipped, plain),
            Row("Animation frames (frames/s)", s => s.AnimationFrames, "N1", shipped, plain, saved: false),
            Row("Longest gap between frames (ms)", s => s.LongestFrameMs, "N0", shipped, plain),
            Row("Gaps between frames over 50 ms", s => s.FramesOver50Ms, "N0", shipped, plain),
            Row("Search round trip, median of the run (ms)", s => s.SearchMedianMs, "N0", shipped, plain),
            Row("Search round trip, slowest of the run (ms)", s => s.SearchMaxMs, "N0", shipped, plain),
            "",
            "| Target (issue 14), as shipped | Measured (worst run) | Verdict |",
            "|---|---|---|",
            Target("No frame over 50 ms", shipped.Samples.Max(s => s.LongestFrameMs), 50, "ms"),
            Target("Main thread under 30 % busy", shipped.Samples.Max(s => s.MainThreadBusy * 100), 30, "%"),
            Target("Search round trip under 0.3 s", shipped.Samples.Max(s => s.SearchMaxMs), 300, "ms"),
            "",
            "Where the main thread's time goes (self time by trace event, % of the window, the run with the median busy share):",
            "",
            $"- as shipped: {Top(shipped)}",
            $"- without conflation: {Top(plain)}",
            "",
            "Regenerate: `dotnet run --project bench/AgentPulse.Bench.Page -c Release` (options `--rate`, `--tasks`, `--seconds`, `--runs`, `--searches`). The machine is shared with other builds: read the figures with the load average above.",
        };
        File.WriteAllLines(Path.Combine(folder, "page.md"), lines);
        File.WriteAllText(Path.Combine(folder, "page.json"), JsonSerializer.Serialize(new
        {
            settings = new { settings.Rate, settings.Tasks, settings.Seconds, settings.Runs, settings.Searches, settings.LoadAtStart, settings.LoadAtEnd },
            scenarios = scenarios.Select(s => new
            {
                s.Name,
                s.Conflated,
                samples = s.Samples.Select(x => new
                {
                    x.EventsPerSecond, x.ProgressFramesPerSecond, x.FramesPerSecond, x.BytesPerSecond, x.MainThreadBusy, x.LongTasks, x.LongestTaskMs,
                    x.AnimationFrames, x.LongestFrameMs, x.FramesOver50Ms, x.SearchMedianMs, x.SearchMaxMs,
                    top = x.TopWork.Select(t => new { t.Name, t.Share }),
                }),
            }),
        }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(string.Join(Environment.NewLine, lines));
    }

    private static string Row(string metric, Func<Sample, double> value, string format, Scenario shipped, Scenario plain, bool saved = true)
    {
        var a = Median(shipped.Samples.Select(value));
        var b = Median(plain.Samples.Select(value));
        var saving = !saved || b == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"{(1 - a / b) * 100:0}%");
        return $"| {metric} | {Cell(shipped, value, format)} | {Cell(plain, value, format)} | {saving} |";
    }

    private static string Cell(Scenario scenario, Func<Sample, double> value, string format)
    {
        var values = scenario.Samples.Select(value).ToList();
        return string.Create(CultureInfo.InvariantCulture, $"{Median(values).ToString(format, CultureInfo.InvariantCulture)} ({values.Min().ToString(format, CultureInfo.InvariantCulture)}–{values.Max().ToString(format, CultureInfo.InvariantCulture)})");
    }

    private static string Target(string name, double measured, double limit, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"| {name} | {measured:0.#} {unit} | {(measured <= limit ? "meets" : "misses")} |");

    private static string Top(Scenario scenario)
    {
        var median = scenario.Samples.OrderBy(s => s.MainThreadBusy).ElementAt(scenario.Samples.Count / 2);
        return string.Join(", ", median.TopWork.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name} {t.Share * 100:0.0}%")));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
