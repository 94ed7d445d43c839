// What the 3D view costs, measured in the OS Chromium (SwiftShader WebGL: no machine here has a GPU):
//   - its bundle (_content/AgentPulse.Web.Scene/js/scene.js): bytes as built, gzip and brotli (quality 11, what a
//     publish serves), and its lazily loaded assembly on the wire;
//   - the dashboard's first load (/): bytes on the wire until it is connected and the network is idle, and
//     whether any of it belongs to the 3D view (its assembly, symbols, bundle or styles: it must not);
//   - the time to the scene's first frame: a cold load of /3d (from navigation start: the app boots,
//     connects, imports the bundle, builds the scene), and from the dashboard's "3D view" link (the app
//     already running: the bundle is fetched and the scene built).
// Writes bench/results/scene.md. Bounded: a few runs, each with its own browser profile (a cold cache).
//
//   dotnet run --project bench/AgentPulse.Bench.Scene -c Release [-- --runs 5]
//   dotnet run --project bench/AgentPulse.Bench.Scene -c Release -- --compare-url http://127.0.0.1:5000/ --compare-name main
//     (also the dashboard's first load of a server already running, such as one built from another commit,
//     and the difference: what this build adds to it; --compare-url and --compare-name may be given again,
//     the n-th name naming the n-th server)
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
var compareUrls = ArgTexts("--compare-url");
var compareNames = ArgTexts("--compare-name");
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
        "| Metric | Value |",
        "|---|---|",
        $"| Dashboard (`/`) first load, bytes on the wire until connected and idle | **{Kb(Median(dashboard.Select(d => (double)d.Bytes)))}** ({Kb(dashboard.Min(d => d.Bytes))}–{Kb(dashboard.Max(d => d.Bytes))}) in {dashboard[0].Requests} requests |",
        $"| … of which the 3D view's (its assembly and symbols, `scene.js`, `scene.css`) | {dashboard.Max(d => d.SceneBytes)} bytes |",
        $"| Dashboard first load as a publish sends it (the same bodies without symbols, each brotli quality 11) | **{Kb(Median(dashboard.Select(d => (double)d.PublishedBytes)))}** |",
    };
    for (var c = 0; c < compareUrls.Count; c++)
    {
        var compareUrl = compareUrls[c];
        var compareName = c < compareNames.Count ? compareNames[c] : "the other server";
        var other = new List<Load>();
        for (var i = 0; i < runs; i++)
        {
            other.Add(await DashboardAsync(new Uri(compareUrl.EndsWith('/') ? compareUrl : compareUrl + "/")));
        }
        var delta = Median(dashboard.Select(d => (double)d.Bytes)) - Median(other.Select(d => (double)d.Bytes));
        lines.Add($"| Dashboard first load, {compareName} (`--compare-url`) | {Kb(Median(other.Select(d => (double)d.Bytes)))} ({Kb(other.Min(d => d.Bytes))}–{Kb(other.Max(d => d.Bytes))}) in {other[0].Requests} requests |");
        lines.Add($"| … this build adds to it | {(delta >= 0 ? "+" : "−")}{Kb(Math.Abs(delta))} |");
        var publishedDelta = Median(dashboard.Select(d => (double)d.PublishedBytes)) - Median(other.Select(d => (double)d.PublishedBytes));
        lines.Add($"| … as a publish sends it (brotli, no symbols): {Kb(Median(other.Select(d => (double)d.PublishedBytes)))}; this build adds | {(publishedDelta >= 0 ? "+" : "−")}{Kb(Math.Abs(publishedDelta))} |");
    }

    using var http = new HttpClient { BaseAddress = baseAddress };
    var bundle = await http.GetByteArrayAsync(new Uri(SceneAsset.Bundle.TrimStart('/'), UriKind.Relative));
    var cold = new List<Frame>();
    var fromLink = new List<Frame>();
    for (var i = 0; i < runs; i++)
    {
        cold.Add(await ColdSceneAsync(baseAddress));
        fromLink.Add(await SceneFromDashboardAsync(baseAddress));
    }
    lines.AddRange(
    [
        $"| 3D bundle `scene.js`: as built / gzip / **brotli** (quality 11) | {Kb(bundle.Length)} / {Kb(Gzip(bundle))} / **{Kb(Brotli(bundle))}** |",
        $"| 3D bundle on the wire in a run (as this server sends it) | {Kb(Median(cold.Select(c => c.BundleTransfer)))} |",
        $"| 3D view's assembly (and symbols) on the wire when `/3d` opens (as this server sends them) | {Kb(Median(cold.Select(c => c.AssemblyTransfer)))} |",
        $"| First frame, cold load of `/3d` (from navigation start) | **{Ms(Median(cold.Select(c => c.FirstFrame)))}** ({Ms(cold.Min(c => c.FirstFrame))}–{Ms(cold.Max(c => c.FirstFrame))}) |",
        $"| … of which the scene itself (module's `create` to first frame) | {Ms(Median(cold.Select(c => c.Create)))} ({Ms(cold.Min(c => c.Create))}–{Ms(cold.Max(c => c.Create))}) |",
        $"| First frame from the dashboard's \"3D view\" link (app running, bundle not cached) | **{Ms(Median(fromLink.Select(c => c.FirstFrame)))}** ({Ms(fromLink.Min(c => c.FirstFrame))}–{Ms(fromLink.Max(c => c.FirstFrame))}) |",
    ]);
    lines.Add("");
    // The header last, so its load average at the end is the end's.
    var loadAtEnd = LoadAverage();
    var header = new List<string>
    {
        $"Scene benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} cores; load average {loadAtStart} at start, {loadAtEnd} at end; {runs} runs each, every one in a new browser profile (cold cache); Chromium with SwiftShader (software WebGL).",
        "",
    };
    if (Busy(loadAtStart) || Busy(loadAtEnd))
    {
        header.Add("Measured on a busy machine (a load average above 2 on 2 cores): the timings are slower and more spread than on a quiet one; the byte counts do not depend on the load.");
        header.Add("");
    }
    header.Add("Medians with min–max over the runs.");
    header.Add("");
    lines.InsertRange(0, header);
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
// connected and the network is idle; and the same bodies as a publish would send them to a browser that
// takes brotli: no symbols (a published app loads none), each body brotli-compressed at quality 11 (what
// a publish precompresses).
static async Task<Load> DashboardAsync(Uri baseAddress)
{
    await using var browser = await Chromium.LaunchAsync("bench-dashboard");
    var responses = new List<IResponse>();
    browser.Page.Response += (_, response) =>
    {
        // Playwright raises its events on its own thread.
        lock (responses)
        {
            responses.Add(response);
        }
    };
    await browser.Page.GotoAsync(baseAddress.ToString());
    await Assertions.Expect(browser.Page.GetByRole(AriaRole.Status, new() { Name = "Connection" })).ToHaveTextAsync("Connected", new() { Timeout = 60_000 });
    await browser.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    IResponse[] seen;
    lock (responses)
    {
        seen = [.. responses];
    }
    long bytes = 0, scene = 0, published = 0;
    foreach (var response in seen)
    {
        var sizes = await response.Request.SizesAsync();
        bytes += sizes.ResponseBodySize;
        var path = new Uri(response.Url).AbsolutePath;
        if (SceneAsset.IsOfTheView(path))
        {
            scene += sizes.ResponseBodySize;
        }
        if (!path.EndsWith(".pdb", StringComparison.Ordinal) && response.Status == 200)
        {
            published += BrotliOnce(await response.BodyAsync());
        }
    }
    return new Load(bytes, scene, seen.Length, published);
}

// Brotli at quality 11 is slow, and most bodies (the framework's files) are the same in every run and on
// every server compared: each distinct body is compressed once.
static long BrotliOnce(byte[] body)
{
    var key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body));
    lock (BrotliSizes.Known)
    {
        if (BrotliSizes.Known.TryGetValue(key, out var known))
        {
            return known;
        }
    }
    long size = body.Length == 0 ? 0 : Brotli(body);
    lock (BrotliSizes.Known)
    {
        BrotliSizes.Known[key] = size;
    }
    return size;
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
    var json = await page.EvaluateAsync<string>($$"""
        async () => {
          const frame = performance.getEntriesByName('agentpulse-scene-first-frame')[0].startTime;
          const resources = performance.getEntriesByType('resource');
          const bundle = resources.find(r => new URL(r.name).pathname === '{{SceneAsset.Bundle}}');
          const assembly = resources.filter(r => new URL(r.name).pathname.startsWith('{{SceneAsset.AssemblyPrefix}}'))
            .reduce((sum, r) => sum + r.encodedBodySize, 0);
          const view = (await import('{{SceneAsset.Bundle}}')).inspect().view;
          return JSON.stringify({ frame, create: view.firstFrameMs, transfer: bundle ? bundle.encodedBodySize : 0, assembly });
        }
        """);
    var result = JsonDocument.Parse(json).RootElement;
    return new Frame(result.GetProperty("frame").GetDouble() - since, result.GetProperty("create").GetDouble(), result.GetProperty("transfer").GetDouble(), result.GetProperty("assembly").GetDouble());
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

// Whether a load average ("1 5 15" minutes) says the machine was busy: any of them above 2.
static bool Busy(string loadAverage) =>
    loadAverage.Split(' ').Any(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var load) && load > 2);

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

List<string> ArgTexts(string name) =>
    [.. args.Select((a, i) => (a, i)).Where(p => p.a == name && p.i + 1 < args.Length).Select(p => args[p.i + 1])];

internal sealed record Load(long Bytes, long SceneBytes, int Requests, long PublishedBytes);

internal static class BrotliSizes
{
    public static readonly Dictionary<string, long> Known = [];
}

internal sealed record Frame(double FirstFrame, double Create, double BundleTransfer, double AssemblyTransfer);
