// The page under a live load of task.progress events, measured in the OS Chromium (issue 14, item 7):
//   - frames: the gaps between the page's animation frames (requestAnimationFrame), the longest and how many over 50 ms;
//   - the renderer's main thread: how busy it is and where the time goes, from a Chromium performance trace
//     (CDP Tracing, categories devtools.timeline and toplevel) over the measured window;
//   - the search round trip while the load runs (submit to results shown, timed in the page);
//   - what conflation saves: the same load with the page as shipped (conflate=task.progress:10) and with the
//     conflation taken off its WebSocket URL: task.progress frames and bytes the page received, and its CPU.
// The server is the real app in this process (SQLite log, as shipped), on 127.0.0.1; the load is published
// through POST /api/events, spread over a number of tasks whose progress loops. Writes bench/results/page.md
// and page.json. The machine is shared: the load average at start and end is written with the figures.
//
//   dotnet run --project bench/AgentPulse.Bench.Page -c Release [-- --rate 1000 --tasks 10 --seconds 10 --runs 3]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentPulse.Bench.Page;
using AgentPulse.EndToEnd.Tests;
using AgentPulse.Protocol;
using AgentPulse.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

var rate = Arg("--rate", 1000);
var taskCount = Arg("--tasks", 10);
var seconds = Arg("--seconds", 10);
var runs = Arg("--runs", 3);
var searches = Arg("--searches", 5);
var output = ArgText("--out") ?? Path.Combine(RepositoryRoot(), "bench", "results");
var loadAtStart = LoadAverage();
var started = Stopwatch.StartNew();

var data = Path.Combine(Path.GetTempPath(), "agentpulse-bench-page", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(data);
var app = AgentPulseApp.Build(["--urls=http://127.0.0.1:0", $"--DataPath={data}", "--Logging:LogLevel:Default=Warning"]);
await app.StartAsync();
var baseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
using var http = new HttpClient { BaseAddress = baseAddress };
using var stop = new CancellationTokenSource();
var load = new Load(http, rate, taskCount);
var loading = load.RunAsync(stop.Token);

var results = new List<Scenario>();
try
{
    foreach (var conflated in new[] { true, false })
    {
        var name = conflated ? "as shipped (conflate=task.progress:10)" : "without conflation";
        var samples = new List<Sample>();
        for (var i = 0; i < runs; i++)
        {
            samples.Add(await MeasureAsync(baseAddress, load, conflated, TimeSpan.FromSeconds(seconds), searches));
            Console.WriteLine($"{name}, run {i + 1}: {samples[^1]}");
        }
        results.Add(new Scenario(name, conflated, samples));
    }
}
finally
{
    await stop.CancelAsync();
    await loading;
    await app.StopAsync();
    await app.DisposeAsync();
    try
    {
        Directory.Delete(data, recursive: true);
    }
    catch (IOException)
    {
    }
}

Report.Write(output, results, new Settings(rate, taskCount, seconds, runs, searches, loadAtStart, LoadAverage(), started.Elapsed, load.Published));
return 0;

static async Task<Sample> MeasureAsync(Uri baseAddress, Load load, bool conflated, TimeSpan window, int searchCount)
{
    await using var browser = await Chromium.LaunchAsync("bench-page", recorders: false);
    var page = browser.Page;
    if (!conflated)
    {
        // The page as shipped, but its WebSocket URL without the conflate parameter: every event reaches it.
        await browser.Context.AddInitScriptAsync("""
            const Native = window.WebSocket;
            window.WebSocket = function (url, protocols) { return new Native(String(url).replace(/([?&])conflate=[^&]*&?/, '$1').replace(/[?&]$/, ''), protocols); };
            window.WebSocket.prototype = Native.prototype;
            Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
            """);
    }
    var counting = false;
    long progressFrames = 0, frames = 0, bytes = 0;
    page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) =>
    {
        if (!Volatile.Read(ref counting))
        {
            return;
        }
        Interlocked.Increment(ref frames);
        Interlocked.Add(ref bytes, Encoding.UTF8.GetByteCount(frame.Text ?? "") + (frame.Binary?.Length ?? 0));
        if (frame.Text?.Contains("\"type\":\"task.progress\"", StringComparison.Ordinal) == true)
        {
            Interlocked.Increment(ref progressFrames);
        }
    };
    await page.GotoAsync(baseAddress.ToString());
    await Assertions.Expect(page.GetByRole(AriaRole.Status, new() { Name = "Connection" })).ToHaveTextAsync("Connected", new() { Timeout = 60_000 });
    await Assertions.Expect(page.GetByRole(AriaRole.List, new() { Name = "Running tasks" }).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(load.Tasks, new() { Timeout = 60_000 });
    // Warm up: the WebAssembly code paths run, the bars move.
    await page.WaitForTimeoutAsync(3000);

    var cdp = await browser.Context.NewCDPSessionAsync(page);
    var traceDone = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
    cdp.Event("Tracing.tracingComplete").OnEvent += (_, e) => traceDone.TrySetResult(e!.Value.GetProperty("stream").GetString()!);
    await cdp.SendAsync("Tracing.start", new Dictionary<string, object>
    {
        ["transferMode"] = "ReturnAsStream",
        ["traceConfig"] = new Dictionary<string, object>
        {
            ["includedCategories"] = new[] { "devtools.timeline", "disabled-by-default-devtools.timeline", "toplevel", "v8.execute" },
        },
    });
    await page.EvaluateAsync(FrameRecorder);
    var publishedBefore = load.Published;
    var clock = Stopwatch.StartNew();
    Volatile.Write(ref counting, true);

    var roundTrips = new List<double>();
    var between = window / (searchCount + 1);
    for (var i = 0; i < searchCount; i++)
    {
        await page.WaitForTimeoutAsync((float)between.TotalMilliseconds);
        roundTrips.Add(await page.EvaluateAsync<double>(SearchRoundTrip, $"bench{Guid.NewGuid():N}"[..14]));
    }
    var left = window - clock.Elapsed;
    if (left > TimeSpan.Zero)
    {
        await page.WaitForTimeoutAsync((float)left.TotalMilliseconds);
    }

    Volatile.Write(ref counting, false);
    var elapsed = clock.Elapsed.TotalSeconds;
    var published = load.Published - publishedBefore;
    var frameGaps = await page.EvaluateAsync<double[]>("() => { window.__benchFrames.stop = true; return window.__benchFrames.gaps; }");
    await cdp.SendAsync("Tracing.end");
    var stream = await traceDone.Task.WaitAsync(TimeSpan.FromMinutes(2));
    var trace = await ReadStreamAsync(cdp, stream);
    var main = TraceSummary.Read(trace);
    await cdp.DetachAsync();

    return new Sample(
        EventsPerSecond: published / elapsed,
        ProgressFramesPerSecond: progressFrames / elapsed,
        FramesPerSecond: frames / elapsed,
        BytesPerSecond: bytes / elapsed,
        MainThreadBusy: main.Busy,
        LongTasks: main.LongTasks,
        LongestTaskMs: main.LongestTaskMs,
        TopWork: main.Top,
        AnimationFrames: frameGaps.Length / elapsed,
        LongestFrameMs: frameGaps.Length == 0 ? 0 : frameGaps.Max(),
        FramesOver50Ms: frameGaps.Count(g => g > 50),
        SearchMedianMs: Median(roundTrips),
        SearchMaxMs: roundTrips.Count == 0 ? 0 : roundTrips.Max());
}

static async Task<string> ReadStreamAsync(ICDPSession cdp, string handle)
{
    var text = new StringBuilder();
    while (true)
    {
        var chunk = (await cdp.SendAsync("IO.read", new Dictionary<string, object> { ["handle"] = handle, ["size"] = 1 << 20 }))!.Value;
        var data = chunk.GetProperty("data").GetString() ?? "";
        text.Append(chunk.TryGetProperty("base64Encoded", out var b64) && b64.GetBoolean() ? Encoding.UTF8.GetString(Convert.FromBase64String(data)) : data);
        if (chunk.GetProperty("eof").GetBoolean())
        {
            break;
        }
    }
    await cdp.SendAsync("IO.close", new Dictionary<string, object> { ["handle"] = handle });
    return text.ToString();
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static int Arg(string name, int fallback) =>
    ArgText(name) is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

static string? ArgText(string name)
{
    var args = Environment.GetCommandLineArgs();
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static string RepositoryRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "AgentPulse.slnx")))
        {
            return directory.FullName;
        }
    }
    return Directory.GetCurrentDirectory();
}

public partial class Program
{
    // The gap before every animation frame, in ms, until stopped.
    private const string FrameRecorder = """
        () => {
          const state = { gaps: [], stop: false };
          window.__benchFrames = state;
          let last = performance.now();
          const frame = now => { if (state.stop) return; state.gaps.push(now - last); last = now; requestAnimationFrame(frame); };
          requestAnimationFrame(now => { last = now; requestAnimationFrame(frame); });
        }
        """;

    // Types a query as a person would (input, then submit) and times it until the search box shows its outcome.
    private const string SearchRoundTrip = """
        async query => {
          const input = document.getElementById('search-query');
          Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, query);
          input.dispatchEvent(new Event('input', { bubbles: true }));
          await new Promise(r => setTimeout(r, 50));
          const output = document.querySelector('.search-output');
          const start = performance.now();
          input.form.requestSubmit();
          return await new Promise(resolve => {
            const check = () => {
              if (output.textContent.includes(query) && !output.querySelector('.searching')) resolve(performance.now() - start);
              else requestAnimationFrame(check);
            };
            check();
          });
        }
        """;
}

namespace AgentPulse.Bench.Page
{
    /// <summary>Publishes task.progress at a rate, spread over tasks whose progress loops, through POST /api/events.</summary>
    internal sealed class Load(HttpClient http, int rate, int tasks)
    {
        private long published;

        public int Tasks => tasks;

        public long Published => Interlocked.Read(ref published);

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            await PostAsync([.. Enumerable.Range(0, tasks).Select(t => CloudEvent.Create(new TaskStarted($"load-{t}", "bench", $"Load {t + 1}", $"agent-{t % 3 + 1}", null), "/bench/page"))], cancellationToken);
            // Batches every 20 ms, as a busy producer sends them.
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            var perBatch = Math.Max(1, rate / 50);
            var step = 0L;
            var clock = Stopwatch.StartNew();
            try
            {
                while (await timer.WaitForNextTickAsync(cancellationToken))
                {
                    // Catch up to the rate if a tick was late.
                    var due = (long)(clock.Elapsed.TotalSeconds * rate) - step;
                    var count = (int)Math.Clamp(due, 0, perBatch * 5);
                    if (count == 0)
                    {
                        continue;
                    }
                    var batch = new List<CloudEvent>(count);
                    for (var i = 0; i < count; i++, step++)
                    {
                        var task = (int)(step % tasks);
                        var n = step / tasks % 1000;
                        batch.Add(CloudEvent.Create(new TaskProgress($"load-{task}", n / 1000.0, "indexing", $"chunk {n} of 1000", n, 1000), "/bench/page"));
                    }
                    await PostAsync(batch, cancellationToken);
                    Interlocked.Add(ref published, count);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task PostAsync(List<CloudEvent> events, CancellationToken cancellationToken)
        {
            using var content = new StringContent(JsonSerializer.Serialize(events, AgentPulseJsonContext.Default.ListCloudEvent), Encoding.UTF8, "application/cloudevents-batch+json");
            using var response = await http.PostAsync(new Uri("api/events", UriKind.Relative), content, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>One measured window.</summary>
    internal sealed record Sample(
        double EventsPerSecond,
        double ProgressFramesPerSecond,
        double FramesPerSecond,
        double BytesPerSecond,
        double MainThreadBusy,
        int LongTasks,
        double LongestTaskMs,
        IReadOnlyList<(string Name, double Share)> TopWork,
        double AnimationFrames,
        double LongestFrameMs,
        int FramesOver50Ms,
        double SearchMedianMs,
        double SearchMaxMs)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{EventsPerSecond:0} ev/s published, {ProgressFramesPerSecond:0} progress frames/s received, main thread {MainThreadBusy:P0} busy, longest frame {LongestFrameMs:0} ms ({FramesOver50Ms} over 50 ms), {AnimationFrames:0} fps, search {SearchMedianMs:0} ms (max {SearchMaxMs:0})");
    }

    internal sealed record Scenario(string Name, bool Conflated, IReadOnlyList<Sample> Samples);

    internal sealed record Settings(int Rate, int Tasks, int Seconds, int Runs, int Searches, string LoadAtStart, string LoadAtEnd, TimeSpan Took, long Published);
}
