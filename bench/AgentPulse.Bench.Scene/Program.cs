// What the 3D view costs, measured in the OS Chromium (SwiftShader WebGL: no machine here has a GPU):
//   - its bundle (js/scene.js): bytes as built, gzip and brotli (quality 11, what a publish serves);
//   - the dashboard's first load (/): bytes on the wire until it is connected and the network is idle, and
//     whether any of it belongs to the 3D view (it must not);
//   - the time to the scene's first frame: a cold load of /3d (from navigation start: the app boots,
//     connects, imports the bundle, builds the scene), and from the dashboard's "3D view" link (the app
//     already running: the bundle is fetched and the scene built).
// Writes bench/results/scene.md. Bounded: a few runs, each with its own browser profile (a cold cache).
//
//   dotnet run --project bench/AgentPulse.Bench.Scene -c Release [-- --runs 5]
//   dotnet run --project bench/AgentPulse.Bench.Scene -c Release -- --compare-url http://127.0.0.1:5000/ --compare-name main
//     (also the dashboard's first load of a server already running, such as one built from another commit,
//     and the difference: what this build adds to it)
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using AgentPulse.EndToEnd.Tests;
using AgentPulse.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

var runs = Arg("--runs", 5);
var compareUrl = ArgText("--compare-url");
var compareName = ArgText("--compare-name") ?? "the other server";
var loadAtStart = LoadAverage();

var data = Path.Combine(Path.GetTempPath(), "agentpulse-bench-scene", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(data);
var app = AgentPulseApp.Build(["--urls=http://127.0.0.1:0", $"--DataPath={data}", "--Logging:LogLevel:Default=Warning"]);
await app.StartAsync();
var baseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

try
{
    var dashboard = new List<Load>();
    for (var i = 0; i < runs; i++)
    {
        dashboard.Add(await DashboardAsync(baseAddress));
    }
    var lines = new List<string>
    {
        $"Scene benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} cores; load average {loadAtStart} at start, {LoadAverage()} at end; {runs} runs each, every one in a new browser profile (cold cache); Chromium with SwiftShader (software WebGL).",
        "",
        "Medians with min–max over the runs.",
        "",
        "| Metric | Value |",
        "|---|---|",
        $"| Dashboard (`/`) first load, bytes on the wire until connected and idle | **{Kb(Median(dashboard.Select(d => (double)d.Bytes)))}** ({Kb(dashboard.Min(d => d.Bytes))}–{Kb(dashboard.Max(d => d.Bytes))}) in {dashboard[0].Requests} requests |",
        $"| … of which the 3D view's (`js/scene.js`, `css/scene.css`) | {dashboard.Max(d => d.SceneBytes)} bytes |",
    };
    if (compareUrl is not null)
    {
        var other = new List<Load>();
        for (var i = 0; i < runs; i++)
        {
            other.Add(await DashboardAsync(new Uri(compareUrl.EndsWith('/') ? compareUrl : compareUrl + "/")));
        }
        var delta = Median(dashboard.Select(d => (double)d.Bytes)) - Median(other.Select(d => (double)d.Bytes));
        lines.Add($"| Dashboard first load, {compareName} (`--compare-url`) | {Kb(Median(other.Select(d => (double)d.Bytes)))} in {other[0].Requests} requests |");
        lines.Add($"| … this build adds to it | {(delta >= 0 ? "+" : "−")}{Kb(Math.Abs(delta))} |");
    }

    using var http = new HttpClient { BaseAddress = baseAddress };
    var bundle = await http.GetByteArrayAsync(new Uri("js/scene.js", UriKind.Relative));
    var cold = new List<Frame>();
    var fromLink = new List<Frame>();
    for (var i = 0; i < runs; i++)
    {
        cold.Add(await ColdSceneAsync(baseAddress));
        fromLink.Add(await SceneFromDashboardAsync(baseAddress));
    }
    lines.AddRange(
    [
        $"| 3D bundle `js/scene.js`: as built / gzip / **brotli** (quality 11) | {Kb(bundle.Length)} / {Kb(Gzip(bundle))} / **{Kb(Brotli(bundle))}** |",
        $"| 3D bundle on the wire in a run (as this server sends it) | {Kb(Median(cold.Select(c => c.BundleTransfer)))} |",
        $"| First frame, cold load of `/3d` (from navigation start) | **{Ms(Median(cold.Select(c => c.FirstFrame)))}** ({Ms(cold.Min(c => c.FirstFrame))}–{Ms(cold.Max(c => c.FirstFrame))}) |",
        $"| … of which the scene itself (module's `create` to first frame) | {Ms(Median(cold.Select(c => c.Create)))} ({Ms(cold.Min(c => c.Create))}–{Ms(cold.Max(c => c.Create))}) |",
        $"| First frame from the dashboard's \"3D view\" link (app running, bundle not cached) | **{Ms(Median(fromLink.Select(c => c.FirstFrame)))}** ({Ms(fromLink.Min(c => c.FirstFrame))}–{Ms(fromLink.Max(c => c.FirstFrame))}) |",
    ]);
    lines.Add("");
    var report = string.Join('\n', lines);
    Console.WriteLine(report);
    var results = Path.Combine(FindRepoRoot(), "bench", "results");
    Directory.CreateDirectory(results);
    await File.WriteAllTextAsync(Path.Combine(results, "scene.md"), report);
}
finally
{
    await app.StopAsync();
    await app.DisposeAsync();
    Directory.Delete(data, recursive: true);
}

// The dashboard from a cold cache: every response's body bytes on the wire (encoded), until it is
// connected and the network is idle.
static async Task<Load> DashboardAsync(Uri baseAddress)
{
    await using var browser = await Chromium.LaunchAsync("bench-dashboard");
    var responses = new List<IResponse>();
    browser.Page.Response += (_, response) => responses.Add(response);
    await browser.Page.GotoAsync(baseAddress.ToString());
    await Assertions.Expect(browser.Page.GetByRole(AriaRole.Status, new() { Name = "Connection" })).ToHaveTextAsync("Connected", new() { Timeout = 60_000 });
    await browser.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    long bytes = 0, scene = 0;
    foreach (var response in responses.ToList())
    {
        var sizes = await response.Request.SizesAsync();
        bytes += sizes.ResponseBodySize;
        var path = new Uri(response.Url).AbsolutePath;
        if (path is "/js/scene.js" or "/css/scene.css")
        {
            scene += sizes.ResponseBodySize;
        }
    }
    return new Load(bytes, scene, responses.Count);
}

// /3d from a cold cache: the first frame's mark, from navigation start.
static async Task<Frame> ColdSceneAsync(Uri baseAddress)
{
    await using var browser = await Chromium.LaunchAsync("bench-scene", webGl: true);
    await browser.Page.GotoAsync(new Uri(baseAddress, "3d").ToString());
    return await FirstFrameAsync(browser.Page, since: 0);
}

// The dashboard running, then its "3D view" link: the first frame's mark, from the click.
static async Task<Frame> SceneFromDashboardAsync(Uri baseAddress)
{
    await using var browser = await Chromium.LaunchAsync("bench-scene-link", webGl: true);
    await browser.Page.GotoAsync(baseAddress.ToString());
    await Assertions.Expect(browser.Page.GetByRole(AriaRole.Status, new() { Name = "Connection" })).ToHaveTextAsync("Connected", new() { Timeout = 60_000 });
    await browser.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    var clicked = await browser.Page.EvaluateAsync<double>("() => performance.now()");
    await browser.Page.GetByRole(AriaRole.Link, new() { Name = "3D view" }).ClickAsync();
    return await FirstFrameAsync(browser.Page, clicked);
}

static async Task<Frame> FirstFrameAsync(IPage page, double since)
{
    await page.WaitForFunctionAsync("() => performance.getEntriesByName('agentpulse-scene-first-frame').length > 0", null, new() { Timeout = 120_000 });
    var json = await page.EvaluateAsync<string>("""
        async () => {
          const frame = performance.getEntriesByName('agentpulse-scene-first-frame')[0].startTime;
          const bundle = performance.getEntriesByType('resource').find(r => new URL(r.name).pathname === '/js/scene.js');
          const view = (await import('/js/scene.js')).inspect().view;
          return JSON.stringify({ frame, create: view.firstFrameMs, transfer: bundle ? bundle.encodedBodySize : 0 });
        }
        """);
    var result = JsonDocument.Parse(json).RootElement;
    return new Frame(result.GetProperty("frame").GetDouble() - since, result.GetProperty("create").GetDouble(), result.GetProperty("transfer").GetDouble());
}

static int Gzip(byte[] data)
{
    using var output = new MemoryStream();
    using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
    {
        gzip.Write(data);
    }
    return (int)output.Length;
}

static int Brotli(byte[] data)
{
    var output = new byte[data.Length + 1024];
    return BrotliEncoder.TryCompress(data, output, out var written, quality: 11, window: 22) ? written : throw new InvalidOperationException("brotli failed");
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static string Kb(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024:N1} KB");

static string Ms(double ms) => string.Create(CultureInfo.InvariantCulture, $"{ms:N0} ms");

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AgentPulse.slnx")))
    {
        dir = dir.Parent;
    }
    return dir?.FullName ?? Directory.GetCurrentDirectory();
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

string? ArgText(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

internal sealed record Load(long Bytes, long SceneBytes, int Requests);

internal sealed record Frame(double FirstFrame, double Create, double BundleTransfer);
