using System.Text.Json;

namespace AgentPulse.EndToEnd.Tests;

/// <summary>
/// The OS Chromium (no browser download) driven by Playwright, on a profile folder of its own, with a
/// recorder of every value the page's progress bars show and a screenshot helper.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    /// <summary>Where the OS package puts it; <c>AGENTPULSE_CHROMIUM</c> overrides.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("AGENTPULSE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Screenshots of each step, next to the test assembly: bin/…/screenshots/*.png.</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    // Records "label=value" each time a progress bar appears or changes, so a test can see that bars moved.
    private const string ProgressRecorder = """
        window.__progress = [];
        new MutationObserver(() => {
          for (const bar of document.querySelectorAll('[role=progressbar]')) {
            const entry = bar.getAttribute('aria-label') + '=' + bar.getAttribute('aria-valuenow');
            if (!window.__progress.includes(entry)) window.__progress.push(entry);
          }
        }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
        """;

    // Records the text of every toast as it appears, so a test can tell that none came (toasts go by themselves).
    private const string ToastRecorder = """
        window.__toasts = [];
        new MutationObserver(records => {
          for (const r of records) for (const node of r.addedNodes) {
            if (node.nodeType === 1 && node.classList.contains('toast')) window.__toasts.push(node.textContent.replace(/\s+/g, ' ').trim());
          }
        }).observe(document, { subtree: true, childList: true });
        """;

    private readonly IPlaywright playwright;
    private readonly string profile;

    private readonly string name;

    private Chromium(string name, IPlaywright playwright, IBrowserContext context, IPage page, string profile)
    {
        this.name = name;
        this.playwright = playwright;
        Context = context;
        Page = page;
        this.profile = profile;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public List<string> ConsoleErrors { get; } = [];

    /// <summary>Everything the page wrote to its console (the client logs its states there).</summary>
    public List<string> Console { get; } = [];

    /// <summary>
    /// Starts Chromium; <paramref name="name"/> names its last screenshot and console log (kept for a failing test).
    /// With <paramref name="webGl"/>, the GPU is SwiftShader's software renderer (the 3D view needs WebGL; no machine
    /// here has a GPU), else there is none.
    /// </summary>
    /// <param name="name">Names its last screenshot and console log.</param>
    /// <param name="width">The viewport's width.</param>
    /// <param name="height">The viewport's height.</param>
    /// <param name="webGl">WebGL on SwiftShader (the 3D view) rather than no GPU.</param>
    /// <param name="recorders">The tests' recorders of progress values and toasts (a bench leaves them out: they cost the page time).</param>
    public static async Task<Chromium> LaunchAsync(string name, int width = 1280, int height = 800, bool webGl = false, bool recorders = true)
    {
        var playwright = await Playwright.CreateAsync();
        var profile = Path.Combine(Path.GetTempPath(), "agentpulse-chromium", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                .. webGl ? (string[])["--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"] : ["--disable-gpu"],
            ],
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        if (recorders)
        {
            await context.AddInitScriptAsync(ProgressRecorder);
            await context.AddInitScriptAsync(ToastRecorder);
        }
        var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
        var chromium = new Chromium(name, playwright, context, page, profile);
        page.Console += (_, message) =>
        {
            // Playwright raises this on its own thread, while a test may be reading the lists.
            lock (chromium.Console)
            {
                chromium.Console.Add($"{message.Type}: {message.Text}");
                if (message.Type == "error")
                {
                    chromium.ConsoleErrors.Add(message.Text);
                }
            }
        };
        return chromium;
    }

    /// <summary>Every "label=value" the progress bars have shown since the page loaded.</summary>
    public async Task<IReadOnlyList<string>> ProgressSeenAsync() =>
        JsonSerializer.Deserialize<List<string>>(await Page.EvaluateAsync<string>("JSON.stringify(window.__progress)")) ?? [];

    /// <summary>The text of every toast shown since the page loaded, in order.</summary>
    public async Task<IReadOnlyList<string>> ToastsSeenAsync() =>
        JsonSerializer.Deserialize<List<string>>(await Page.EvaluateAsync<string>("JSON.stringify(window.__toasts)")) ?? [];

    /// <summary>Saves a screenshot of the viewport as screenshots/<paramref name="name"/>.png, and returns it (PNG).</summary>
    public async Task<byte[]> ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        return await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = false });
    }

    public async ValueTask DisposeAsync()
    {
        // What the page looked like and said at the end: the first thing to read when a test fails.
        try
        {
            await ScreenshotAsync(name + "-last");
        }
        catch (PlaywrightException)
        {
        }
        Directory.CreateDirectory(ScreenshotFolder);
        string[] lines;
        lock (Console)
        {
            lines = [.. Console];
        }
        await File.WriteAllLinesAsync(Path.Combine(ScreenshotFolder, name + "-console.txt"), lines);
        await Context.CloseAsync();
        playwright.Dispose();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
