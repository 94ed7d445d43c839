using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentPulse.Protocol;
using AgentPulse.Server.Tasks;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.EndToEnd.Tests;

/// <summary>
/// The 3D view (/3d) in a real Chromium with WebGL (SwiftShader): what the scene holds, read through its
/// module's test hook (<c>inspect()</c>), and what it shows, read from screenshot pixels. Screenshots of each
/// step are in bin/…/screenshots/3d-*.png.
/// </summary>
public sealed partial class SceneTests
{
    private const string Indexer = "#818cf8";
    private const string Success = "#22c55e";
    private const string Danger = "#ef4444";

    static SceneTests() => SetDefaultExpectTimeout(30_000);

    private static string TestName([System.Runtime.CompilerServices.CallerMemberName] string name = "") => name;

    private static ILocator SceneStatus(IPage page) => page.GetByRole(AriaRole.Status, new() { Name = "Scene status" });

    private static ILocator SceneNotifications(IPage page) => page.GetByRole(AriaRole.Log, new() { Name = "Scene notifications" });

    [Fact]
    public async Task WebGl_IsThere_InTheTestBrowser()
    {
        await using var browser = await Chromium.LaunchAsync(TestName(), webGl: true);

        var renderer = await browser.Page.EvaluateAsync<string?>("""
            () => {
              const gl = document.createElement('canvas').getContext('webgl2');
              return gl && gl.getParameter(gl.getExtension('WEBGL_debug_renderer_info').UNMASKED_RENDERER_WEBGL);
            }
            """);

        Assert.NotNull(renderer);
        Assert.Contains("SwiftShader", renderer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scene_ShowsAnUploadedDocumentsTask_ItsProgress_AndItsEnd_WhichTheListBesideItSays_WithoutAToast()
    {
        var gate = new IndexingGate { Enabled = true };
        await using var server = await RunningServer.StartAsync(configure: builder => builder.Services.AddSingleton<ITaskCheckpoints>(gate));
        await using var browser = await Chromium.LaunchAsync(TestName(), webGl: true);
        var page = browser.Page;

        await OpenAsync(page, server);
        var empty = await SceneHook.WaitAsync(page, "v.frames > 0");
        Assert.Equal(0, empty.GetProperty("taskMeshes").GetInt32());
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Enter VR" })).ToBeVisibleAsync();
        await browser.ScreenshotAsync("3d-01-empty");

        await page.GetByLabel("Choose files").SetInputFilesAsync(Files.Markdown("field-notes.md", "zeppelin"));

        // Held at its indexing stage: a pod at the indexer's station, part filled.
        var running = await SceneHook.WaitAsync(page, "v.tasks.some(t => t.kind === 'running' && t.title === 'Indexing field-notes.md' && t.progress > 0 && t.shown === t.progress)");
        Assert.Equal(1, running.GetProperty("taskMeshes").GetInt32());
        Assert.Equal(["indexer"], running.GetProperty("stations").EnumerateArray().Select(s => s.GetProperty("agent").GetString()));
        var pod = running.GetProperty("tasks")[0];
        Assert.Equal(Indexer, pod.GetProperty("color").GetString());
        var held = pod.GetProperty("progress").GetDouble();
        Assert.InRange(held, 0.01, 0.99);
        Assert.Equal($"{(int)(held * 100)}%", pod.GetProperty("percent").GetString());
        var pixels = await Pixels.TakeAsync(browser, "3d-02-indexing");
        var (bottom, top) = Column(pod);
        // The column's lower part is the indexer's colour on the screen.
        Assert.True(pixels.ShareAlong(bottom, Lerp(bottom, top, 0.1), Indexer) > 0.8, "The pod's fill should be on the screen in the indexer's colour.");

        gate.Release();

        // The documents list beside the scene says it is indexed, and the scene shows the task end: by the page's one
        // notification policy (docs/web.md) no toast repeats it, on the page or on the scene's panel.
        await Expect(page.Locator(".badge").GetByText("Indexed", new() { Exact = true })).ToHaveCountAsync(1);
        await Pixels.TakeAsync(browser, "3d-03-indexed");

        // Done: off the platform, onto the shelf, green.
        var done = await SceneHook.WaitAsync(page, "v.shelf.some(t => t.title === 'Indexing field-notes.md' && t.status === 'completed' && t.settled)");
        Assert.Equal(0, done.GetProperty("taskMeshes").GetInt32());
        Assert.Equal(1, done.GetProperty("shelfMeshes").GetInt32());
        // It got there from the platform, its column full, after flashing green.
        var from = done.GetProperty("shelf")[0].GetProperty("from");
        Assert.Equal(("completed", 1.0), (from.GetProperty("flashed").GetString(), from.GetProperty("progress").GetDouble()));
        pixels = await Pixels.TakeAsync(browser, "3d-04-shelved");
        var token = done.GetProperty("shelf")[0].GetProperty("at");
        Assert.True(pixels.Is(token.GetProperty("x").GetDouble(), token.GetProperty("y").GetDouble(), Success), "The finished task's token should be green.");
        Assert.Empty(await browser.ToastsSeenAsync());
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task Scene_FillsAColumnWithProgress_QueuesInLine_AndShelvesOutcomesInGreenAndRed()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName(), webGl: true);
        var page = browser.Page;
        using var http = server.CreateHttpClient();
        await OpenAsync(page, server);

        // Any source that publishes is an agent with a station.
        await PublishAsync(http, new TaskStarted("w1", "report", "Writing the weekly report", "writer", null));
        await PublishAsync(http, new TaskProgress("w1", 0.25, "drafting", "section 1 of 4", 1, 4));
        var quarter = await SceneHook.WaitAsync(page, "v.tasks.some(t => t.id === 'w1' && t.shown === 0.25)");
        var pod = quarter.GetProperty("tasks")[0];
        var color = pod.GetProperty("color").GetString()!;
        Assert.Equal("25%", pod.GetProperty("percent").GetString());
        var (bottom, top) = Column(pod);
        var filledAtQuarter = (await Pixels.TakeAsync(browser, "3d-05-quarter")).ShareAlong(bottom, top, color);

        await PublishAsync(http, new TaskProgress("w1", 0.75, "drafting", "section 3 of 4", 3, 4));
        await SceneHook.WaitAsync(page, "v.tasks.some(t => t.id === 'w1' && t.shown === 0.75)");
        var filledAtThreeQuarters = (await Pixels.TakeAsync(browser, "3d-06-three-quarters")).ShareAlong(bottom, top, color);

        // The column's coloured share on the screen grows by half its height (its top face, seen from above, adds a little to both).
        Assert.InRange(filledAtQuarter, 0.2, 0.45);
        Assert.InRange(filledAtThreeQuarters - filledAtQuarter, 0.4, 0.6);

        // A task waiting for a free slot stands in line.
        await PublishAsync(http, new TaskStarted("w2", "report", "Writing the monthly report", "writer", null));
        await PublishAsync(http, new TaskProgress("w2", 0, TaskRecord.QueuedStage, "waiting", null, null));
        var queued = await SceneHook.WaitAsync(page, "v.tasks.some(t => t.id === 'w2' && t.kind === 'queued')");
        Assert.Equal(2, queued.GetProperty("taskMeshes").GetInt32());
        Assert.Equal("1 running · 1 queued", queued.GetProperty("stations")[0].GetProperty("counts").GetString());

        // The running one completes: it flashes green, then goes to the shelf; the queued one fails: straight to the shelf, red.
        await PublishAsync(http, new TaskCompleted("w1", 1200, null));
        await PublishAsync(http, new TaskFailed("w2", new TaskError("cancelled", "The writer gave up."), false));
        var shelved = await SceneHook.WaitAsync(page, "v.shelf.length === 2 && v.shelf.every(t => t.settled)");
        Assert.Equal(0, shelved.GetProperty("taskMeshes").GetInt32());
        var shelf = shelved.GetProperty("shelf").EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!);
        Assert.Equal(("completed", Success), Outcome(shelf["w1"]));
        Assert.Matches("^Completed in [0-9.]+ (ms|s)$", shelf["w1"].GetProperty("outcome").GetString());
        Assert.Equal("completed", shelf["w1"].GetProperty("from").GetProperty("flashed").GetString());
        Assert.Equal(("failed", Danger), Outcome(shelf["w2"]));
        Assert.Equal(JsonValueKind.Null, shelf["w2"].GetProperty("from").ValueKind);
        Assert.Equal("Failed: The writer gave up.", shelf["w2"].GetProperty("outcome").GetString());
        var pixels = await Pixels.TakeAsync(browser, "3d-07-shelf");
        foreach (var (id, hex) in new[] { ("w1", Success), ("w2", Danger) })
        {
            var at = shelf[id].GetProperty("at");
            Assert.True(pixels.Is(at.GetProperty("x").GetDouble(), at.GetProperty("y").GetDouble(), hex), $"{id}'s token should be {hex}.");
        }
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task Scene_WhenTheServerRestarts_SaysReconnecting_ThenConnected()
    {
        await using var stopped = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName(), webGl: true);
        var page = browser.Page;
        await OpenAsync(page, stopped);
        var connected = await SceneHook.WaitAsync(page, "v.status.state === 'connected'");
        Assert.Equal("Connected", connected.GetProperty("status").GetProperty("text").GetString());

        await stopped.StopAsync();

        var reconnecting = await SceneHook.WaitAsync(page, "v.status.state === 'reconnecting'");
        Assert.Matches(ReconnectingText(), reconnecting.GetProperty("status").GetProperty("text").GetString());
        Assert.Equal("#f59e0b", reconnecting.GetProperty("status").GetProperty("color").GetString());
        await Expect(SceneStatus(page)).ToHaveTextAsync(ReconnectingText());
        await browser.ScreenshotAsync("3d-08-reconnecting");

        await using var server = await RunningServer.RestartAsync(stopped);

        var back = await SceneHook.WaitAsync(page, "v.status.state === 'connected'");
        Assert.Equal("#22c55e", back.GetProperty("status").GetProperty("color").GetString());
        await Expect(SceneStatus(page)).ToHaveTextAsync("Connected");
        await browser.ScreenshotAsync("3d-09-reconnected");
    }

    [Fact]
    public async Task EnterVr_WithAnEmulatedHeadset_EntersTheSession_AndKeepsNotificationsInView()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName(), webGl: true);
        var page = browser.Page;
        // A WebXR runtime in the page before it loads: Meta's emulator (IWER), as a Quest 3.
        await browser.Context.AddInitScriptAsync(scriptPath: Path.Combine(AppContext.BaseDirectory, "webxr", "iwer.min.js"));
        await browser.Context.AddInitScriptAsync("new IWER.XRDevice(IWER.metaQuest3).installRuntime({ forceInstall: true });");
        using var http = server.CreateHttpClient();
        await OpenAsync(page, server);
        await Expect(page.Locator("#vr-status")).ToHaveTextAsync("A VR headset is ready.");

        await page.GetByRole(AriaRole.Button, new() { Name = "Enter VR" }).ClickAsync();

        var inVr = await SceneHook.WaitAsync(page, "v.vr.state === 'in-vr'");
        Assert.Equal("WebXRCamera", inVr.GetProperty("vr").GetProperty("camera").GetString());
        // The panel follows the headset's camera.
        Assert.Equal("WebXRCamera", inVr.GetProperty("notifications").GetProperty("camera").GetString());
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Exit VR" })).ToBeVisibleAsync();
        await Expect(page.Locator("#vr-status")).ToHaveTextAsync("In VR: put on your headset.");

        // A notification raised while in the headset is on that panel (in the headset nothing of the page is in view).
        await PublishAsync(http, new TaskStarted("x1", "document.index", "Indexing scan.pdf", "indexer", null));
        await PublishAsync(http, new TaskFailed("x1", new TaskError("unreadable", "scan.pdf could not be read."), false));
        var notified = await SceneHook.WaitAsync(page, "v.notifications.visible && v.notifications.items.some(n => n.level === 'error' && n.message === 'scan.pdf could not be read.')");
        Assert.Equal("in-vr", notified.GetProperty("vr").GetProperty("state").GetString());
        Assert.Equal("WebXRCamera", notified.GetProperty("notifications").GetProperty("camera").GetString());
        await Expect(SceneNotifications(page).GetByText("Not indexed: scan.pdf could not be read.")).ToHaveCountAsync(1);
        await browser.ScreenshotAsync("3d-10-vr");

        // The emulated headset's view covers the page, as a headset's would: the button is used from the keyboard.
        await page.GetByRole(AriaRole.Button, new() { Name = "Exit VR" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        var left = await SceneHook.WaitAsync(page, "v.vr.state === 'not-in-vr'");
        Assert.Equal("ArcRotateCamera", left.GetProperty("notifications").GetProperty("camera").GetString());
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Enter VR" })).ToBeVisibleAsync();
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task EnterVr_WithoutAHeadset_SaysWhy()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName(), webGl: true);
        var page = browser.Page;
        await OpenAsync(page, server);

        var button = page.GetByRole(AriaRole.Button, new() { Name = "Enter VR" });
        await Expect(page.Locator("#vr-status")).ToHaveTextAsync("VR is unavailable: No VR headset was found. Connect one (with its runtime running) and reload this page.");
        await Expect(button).ToHaveAttributeAsync("aria-disabled", "true");
        await Expect(button).ToHaveAccessibleDescriptionAsync("VR is unavailable: No VR headset was found. Connect one (with its runtime running) and reload this page.");
        await browser.ScreenshotAsync("3d-11-no-headset");
    }

    [Fact]
    public async Task LeavingTheView_DisposesTheEngineAndItsWebGlContext_AndLeavesNoListenerOrFrameLoop()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName(), webGl: true);
        var page = browser.Page;
        await browser.Context.AddInitScriptAsync(LeakRecorder);
        using var http = server.CreateHttpClient();
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Connection" })).ToHaveTextAsync("Connected");
        var before = await page.EvaluateAsync<string[]>("window.__liveListeners()");

        await page.GetByRole(AriaRole.Link, new() { Name = "3D view" }).ClickAsync();
        await Expect(SceneStatus(page)).ToHaveTextAsync("Connected");
        await SceneHook.LoadAsync(page);
        await SceneHook.WaitAsync(page, "v.frames > 0");
        await page.EvaluateAsync("window.__gl = document.querySelector('canvas.scene-canvas').getContext('webgl2')");
        Assert.False(await page.EvaluateAsync<bool>("window.__gl.isContextLost()"));

        await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard" }).ClickAsync();
        await Expect(page.GetByLabel("Search documents")).ToBeVisibleAsync();
        var hook = await SceneHook.ReadAsync(page);
        var frames = await page.EvaluateAsync<int>("window.__frameRequests()");

        Assert.Equal((0, 0, 1, 1), (hook.GetProperty("views").GetInt32(), hook.GetProperty("engines").GetInt32(), hook.GetProperty("created").GetInt32(), hook.GetProperty("disposed").GetInt32()));
        Assert.True(await page.EvaluateAsync<bool>("window.__gl.isContextLost()"), "The WebGL context should be released.");
        Assert.Equal(0, await page.Locator("canvas").CountAsync());
        Assert.Equal(before, await page.EvaluateAsync<string[]>("window.__liveListeners()"));
        // The page goes on (an event arrives and is shown), and nothing asks for a frame or sends the scene a snapshot.
        await PublishAsync(http, new TaskStarted("after", "report", "After the 3D view", "writer", null));
        await Expect(page.GetByRole(AriaRole.Progressbar, new() { Name = "After the 3D view" })).ToBeVisibleAsync();
        Assert.Equal(frames, await page.EvaluateAsync<int>("window.__frameRequests()"));
        Assert.Equal(0, (await SceneHook.ReadAsync(page)).GetProperty("lateUpdates").GetInt32());
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task Dashboard_LoadsNothingOfThe3DView_NeitherItsAssemblyNorItsScripts_UntilItsLinkIsClicked()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;
        var requested = new RequestLog(page);

        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Connection" })).ToHaveTextAsync("Connected");
        await Expect(page.GetByLabel("Search documents")).ToBeVisibleAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        var loaded = requested.Paths();
        // The app's own assemblies came (so the check below looks where they are), and nothing of the 3D view: not its
        // assembly (nor its symbols), not its bundle, not its styles.
        Assert.Contains(loaded, p => p.StartsWith("/_framework/AgentPulse.Web.Core.", StringComparison.Ordinal));
        Assert.DoesNotContain(loaded, SceneAsset.IsOfTheView);

        var assembly = page.WaitForResponseAsync(r => SceneAsset.IsAssembly(new Uri(r.Url).AbsolutePath));
        var bundle = page.WaitForResponseAsync(r => new Uri(r.Url).AbsolutePath == SceneAsset.Bundle);
        var styles = page.WaitForResponseAsync(r => new Uri(r.Url).AbsolutePath == SceneAsset.Styles);
        await page.GetByRole(AriaRole.Link, new() { Name = "3D view" }).ClickAsync();
        Assert.Equal(200, (await assembly).Status);
        Assert.Equal(200, (await bundle).Status);
        Assert.Equal(200, (await styles).Status);
        await Expect(SceneStatus(page)).ToHaveTextAsync("Connected");
        await browser.ScreenshotAsync("3d-12-from-the-link");
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task TheViewsAssembly_WhenItCannotBeFetched_TheLayoutSaysSo_AndTryAgainLoadsIt()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName(), webGl: true);
        var page = browser.Page;
        await page.RouteAsync(url => SceneAsset.IsAssembly(new Uri(url).AbsolutePath), route => route.AbortAsync("connectionrefused"));
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Connection" })).ToHaveTextAsync("Connected");

        await page.GetByRole(AriaRole.Link, new() { Name = "3D view" }).ClickAsync();

        // The page stays a page: its header, and why there is no 3D view, with a way to try again.
        var alert = page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The 3D view could not be loaded" });
        await Expect(alert).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Connection" })).ToHaveTextAsync("Connected");
        await browser.ScreenshotAsync("3d-13-not-loaded");
        await Axe.AssertNoViolationsAsync(page, "3d-not-loaded");

        await page.UnrouteAllAsync();
        await alert.GetByRole(AriaRole.Link, new() { Name = "Try again" }).ClickAsync();

        await Expect(SceneStatus(page)).ToHaveTextAsync("Connected");
        await Expect(alert).ToHaveCountAsync(0);
    }

    /// <summary>
    /// Records the listeners the page's own scripts (loaded from its origin, not Playwright's) keep on window and
    /// document, and the page's calls to requestAnimationFrame.
    /// </summary>
    private const string LeakRecorder = """
        (() => {
          const live = new Map();
          const owner = t => (t === window ? 'window' : t === document ? 'document' : null) && new Error().stack.includes(location.origin)
            ? (t === window ? 'window' : 'document') : null;
          const capture = o => typeof o === 'boolean' ? o : !!(o && o.capture);
          const add = EventTarget.prototype.addEventListener, remove = EventTarget.prototype.removeEventListener;
          EventTarget.prototype.addEventListener = function (type, listener, options) {
            const who = owner(this);
            if (who && listener) {
              if (!live.has(listener)) live.set(listener, new Set());
              live.get(listener).add(`${who} ${type} ${capture(options)}`);
            }
            return add.call(this, type, listener, options);
          };
          EventTarget.prototype.removeEventListener = function (type, listener, options) {
            const who = owner(this);
            if (who && listener) live.get(listener)?.delete(`${who} ${type} ${capture(options)}`);
            return remove.call(this, type, listener, options);
          };
          window.__liveListeners = () => [...live.values()].flatMap(s => [...s]).sort();
          let frames = 0;
          const raf = window.requestAnimationFrame.bind(window);
          window.requestAnimationFrame = callback => { frames++; return raf(callback); };
          window.__frameRequests = () => frames;
        })();
        """;

    private static async Task OpenAsync(IPage page, RunningServer server)
    {
        await page.GotoAsync(new Uri(server.BaseAddress, "3d").ToString());
        await Expect(SceneStatus(page)).ToHaveTextAsync("Connected");
        await SceneHook.LoadAsync(page);
    }

    private static (double X, double Y) Point(JsonElement point) => (point.GetProperty("x").GetDouble(), point.GetProperty("y").GetDouble());

    private static ((double X, double Y) Bottom, (double X, double Y) Top) Column(JsonElement pod) =>
        (Point(pod.GetProperty("column").GetProperty("bottom")), Point(pod.GetProperty("column").GetProperty("top")));

    private static (double X, double Y) Lerp((double X, double Y) a, (double X, double Y) b, double t) => (a.X + (b.X - a.X) * t, a.Y + (b.Y - a.Y) * t);

    private static IEnumerable<(double X, double Y)> Corners(JsonElement notifications) =>
        notifications.GetProperty("corners").EnumerateArray().Select(Point);

    private static (string?, string?) Outcome(JsonElement token) =>
        (token.GetProperty("status").GetString(), token.GetProperty("color").GetString());

    private static async Task PublishAsync<T>(HttpClient http, T data) where T : class
    {
        using var response = await http.PostAsJsonAsync(new Uri("api/events", UriKind.Relative), CloudEvent.Create(data, "/tests/scene"), AgentPulseJsonContext.Default.CloudEvent);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }

    [GeneratedRegex("^Reconnecting(…|, attempt [1-5] of 5(…|, next in \\d+ s))$")]
    private static partial Regex ReconnectingText();
}

/// <summary>The scene module's test hook: <c>inspect()</c> of the bundle, the same module instance the page imported.</summary>
internal static class SceneHook
{
    public static Task LoadAsync(IPage page) => page.EvaluateAsync($"async () => {{ window.__scene = await import('{SceneAsset.Bundle}'); }}");

    /// <summary>What inspect() returns now.</summary>
    public static async Task<JsonElement> ReadAsync(IPage page) =>
        JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.__scene.inspect())")).RootElement.Clone();

    /// <summary>
    /// Waits until <paramref name="condition"/> (JavaScript over <c>v</c>, the view's description) holds and two
    /// more frames have been drawn (what the hook reports is then on the screen), and returns the description.
    /// </summary>
    public static async Task<JsonElement> WaitAsync(IPage page, string condition)
    {
        var frames = await page.WaitForFunctionAsync($"() => {{ const v = window.__scene?.inspect().view; return !!v && ({condition}) && v.frames; }}", null, new() { Timeout = 60_000 });
        await page.WaitForFunctionAsync($"() => window.__scene.inspect().view.frames >= {await frames.JsonValueAsync<int>() + 2}", null, new() { Timeout = 60_000 });
        return (await ReadAsync(page)).GetProperty("view");
    }
}
