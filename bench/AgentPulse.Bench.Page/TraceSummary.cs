using System.Text.Json;

namespace AgentPulse.Bench.Page;

/// <summary>
/// What a Chromium performance trace says about the page's renderer main thread: the share of the window its
/// tasks took (top-level <c>RunTask</c> events), its long tasks, and where the time went (self time by event name).
/// </summary>
internal sealed record TraceSummary(double Busy, int LongTasks, double LongestTaskMs, IReadOnlyList<(string Name, double Share)> Top)
{
    public static TraceSummary Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        var events = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement : document.RootElement.GetProperty("traceEvents");
        var (pid, tid) = MainThread(events);
        var spans = new List<(double Ts, double Dur, string Name)>();
        double first = double.MaxValue, last = double.MinValue;
        foreach (var e in events.EnumerateArray())
        {
            if (!e.TryGetProperty("ts", out var tsElement) || tsElement.ValueKind != JsonValueKind.Number)
            {
                continue;
            }
            var ts = tsElement.GetDouble();
            if (ts > 0)
            {
                first = Math.Min(first, ts);
                last = Math.Max(last, ts);
            }
            if (e.GetProperty("ph").GetString() == "X" && e.GetProperty("pid").GetInt32() == pid && e.GetProperty("tid").GetInt32() == tid
                && e.TryGetProperty("dur", out var dur))
            {
                spans.Add((ts, dur.GetDouble(), e.GetProperty("name").GetString() ?? "?"));
            }
        }
        var window = Math.Max(1, last - first);
        // Outer spans first at equal start: a stack gives each span its children, and so its self time.
        spans.Sort((a, b) => a.Ts != b.Ts ? a.Ts.CompareTo(b.Ts) : b.Dur.CompareTo(a.Dur));
        var busy = 0.0;
        var longTasks = 0;
        var longest = 0.0;
        var self = new Dictionary<string, double>(StringComparer.Ordinal);
        var stack = new List<(double End, string Name, double Children, double Dur)>();
        void Pop()
        {
            var top = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            self[top.Name] = self.GetValueOrDefault(top.Name) + Math.Max(0, top.Dur - top.Children);
            if (stack.Count > 0)
            {
                stack[^1] = stack[^1] with { Children = stack[^1].Children + top.Dur };
            }
        }
        foreach (var (ts, dur, name) in spans)
        {
            while (stack.Count > 0 && ts >= stack[^1].End)
            {
                Pop();
            }
            if (stack.Count == 0)
            {
                busy += dur;
                if (dur > 50_000)
                {
                    longTasks++;
                }
                longest = Math.Max(longest, dur / 1000);
            }
            stack.Add((ts + dur, name, 0, dur));
        }
        while (stack.Count > 0)
        {
            Pop();
        }
        var top = self.Where(p => p.Key != "RunTask" || p.Value > 0)
            .OrderByDescending(p => p.Value)
            .Take(6)
            .Select(p => (p.Key, p.Value / window))
            .ToList();
        return new TraceSummary(busy / window, longTasks, longest, top);
    }

    /// <summary>The page's renderer main thread: the main frame's process (TracingStartedInBrowser), its CrRendererMain thread.</summary>
    private static (int Pid, int Tid) MainThread(JsonElement events)
    {
        int? pagePid = null;
        var mains = new List<(int Pid, int Tid)>();
        foreach (var e in events.EnumerateArray())
        {
            var name = e.TryGetProperty("name", out var n) ? n.GetString() : null;
            if (name == "TracingStartedInBrowser" && e.TryGetProperty("args", out var args) && args.TryGetProperty("data", out var data)
                && data.TryGetProperty("frames", out var frames))
            {
                foreach (var frame in frames.EnumerateArray())
                {
                    if (frame.TryGetProperty("processId", out var processId) && (!frame.TryGetProperty("parent", out _)))
                    {
                        pagePid ??= processId.GetInt32();
                    }
                }
            }
            if (name == "thread_name" && e.GetProperty("args").GetProperty("name").GetString() == "CrRendererMain")
            {
                mains.Add((e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32()));
            }
        }
        return pagePid is { } pid && mains.FirstOrDefault(m => m.Pid == pid) is { Pid: not 0 } main
            ? main
            : mains.FirstOrDefault();
    }
}
