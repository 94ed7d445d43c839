using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using AgentPulse.Protocol;
using AgentPulse.Server.Tasks;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.EndToEnd.Tests;

/// <summary>
/// The whole system as a person sees it: the real server on a free port with its own data folder, the
/// Blazor UI it serves, in a real Chromium. Elements are found by role and label. Each step leaves a
/// screenshot in bin/…/screenshots.
/// </summary>
public sealed partial class PageTests
{
    static PageTests() => SetDefaultExpectTimeout(30_000);

    private static ILocator ConnectionStatus(IPage page) => page.GetByRole(AriaRole.Status, new() { Name = "Connection" });


    private static string TestName([System.Runtime.CompilerServices.CallerMemberName] string name = "") => name;

    [Fact]
    public async Task Page_UploadsIndexesSearchesAndReportsAFailure_LiveFromTheServer()
    {
        var gate = new IndexingGate { Enabled = true };
        await using var server = await RunningServer.StartAsync(configure: builder => builder.Services.AddSingleton<ITaskCheckpoints>(gate));
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;

        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");
        await Expect(page.GetByText("No documents yet. Upload one to get started.")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("01-connected");
        await Axe.AssertNoViolationsAsync(page, "connected, empty");

        // Upload a Markdown file and a PDF: progress bars, then each says it is indexed, in the list where it was dropped.
        await page.GetByLabel("Choose files").SetInputFilesAsync([Files.Markdown("field-notes.md", "zeppelin"), Files.Pdf("report.pdf", "zeppelin")]);
        // Both are held as they reach their indexing stage: the bar stands part of the way.
        var bar = page.GetByRole(AriaRole.List, new() { Name = "Running tasks" }).GetByRole(AriaRole.Progressbar, new() { Name = "Indexing field-notes.md" });
        await Expect(bar).ToHaveAttributeAsync("aria-valuenow", new Regex("^([1-9]|[1-9][0-9])$"));
        await browser.ScreenshotAsync("02-indexing");
        await Axe.AssertNoViolationsAsync(page, "indexing");
        gate.Release();
        var library = page.GetByRole(AriaRole.List, new() { Name = "Documents", Exact = true });
        await Expect(library.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(2);
        await Expect(library.GetByText("Indexed", new() { Exact = true })).ToHaveCountAsync(2);
        await browser.ScreenshotAsync("03-indexed");
        Assert.Empty(await browser.ToastsSeenAsync());

        var progress = await browser.ProgressSeenAsync();
        Assert.Contains(progress, p => p.StartsWith("Uploading field-notes.md=", StringComparison.Ordinal));
        Assert.Contains(progress, p => p.StartsWith("Uploading report.pdf=", StringComparison.Ordinal));
        var indexing = progress.Where(p => p.StartsWith("Indexing field-notes.md=", StringComparison.Ordinal)).Select(p => int.Parse(p.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
        Assert.True(indexing.Count >= 2 && indexing.Any(v => v is > 0 and < 100), $"The indexing bar should move; it showed {string.Join(", ", indexing)}.");

        // Search a word that is in both, from the keyboard: results with highlights, where the person typed.
        await page.GetByLabel("Search documents").FillAsync("zeppelin");
        await page.GetByLabel("Search documents").PressAsync("Enter");
        var results = page.GetByRole(AriaRole.List, new() { Name = "Search results" });
        await Expect(results.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(2);
        await Expect(results.GetByRole(AriaRole.Heading, new() { Name = "field-notes.md" })).ToBeVisibleAsync();
        await Expect(results.GetByRole(AriaRole.Heading, new() { Name = "report.pdf" })).ToBeVisibleAsync();
        await Expect(results.Locator("mark").First).ToHaveTextAsync(new Regex("^zeppelin$", RegexOptions.IgnoreCase));
        await browser.ScreenshotAsync("04-search");
        await Axe.AssertNoViolationsAsync(page, "search results");

        // A corrupt PDF: the document marked failed with the reason, and the task among the finished ones.
        await page.GetByLabel("Choose files").SetInputFilesAsync(Files.CorruptPdf("broken.pdf"));
        await Expect(library.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "broken.pdf" })).ToContainTextAsync("broken.pdf could not be read: the PDF is damaged.");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Recently finished tasks" }).GetByText("Failed: broken.pdf could not be read: the PDF is damaged.")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("05-failed");
        await Axe.AssertNoViolationsAsync(page, "a failed document");
        Assert.Empty(await browser.ToastsSeenAsync());

        await page.SetViewportSizeAsync(390, 844);
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");
        await browser.ScreenshotAsync("06-narrow");
        await Axe.AssertNoViolationsAsync(page, "narrow");

        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task Page_WhenTheServerRestarts_ReconnectsAndShowsTheTruth()
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "agentpulse-tests", Guid.NewGuid().ToString("N"));
        var hold = new IndexingGate();
        RunningServer? server = await RunningServer.StartAsync(dataPath: dataPath, configure: builder => builder.Services.AddSingleton<ITaskCheckpoints>(hold));
        var port = server.Port;
        try
        {
            await using var browser = await Chromium.LaunchAsync(TestName());
            var page = browser.Page;
            await page.GotoAsync(server.BaseAddress.ToString());
            await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");
            await page.GetByLabel("Choose files").SetInputFilesAsync(Files.Pdf("before.pdf", "restart"));
            var documents = page.GetByRole(AriaRole.List, new() { Name = "Documents", Exact = true });
            await Expect(documents.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "before.pdf" }).Locator(".badge")).ToHaveTextAsync("Indexed");
            // A task under way when the server goes down: held in its indexing stage until then.
            hold.Enabled = true;
            await page.GetByLabel("Choose files").SetInputFilesAsync(Files.Markdown("during.md", "restart", paragraphs: 20_000));
            await Expect(page.GetByRole(AriaRole.List, new() { Name = "Running tasks" }).GetByRole(AriaRole.Progressbar, new() { Name = "Indexing during.md" })).ToBeVisibleAsync();

            await server.StopAsync();
            server = null;
            await Expect(ConnectionStatus(page)).ToHaveTextAsync(ReconnectingText());
            await browser.ScreenshotAsync("07-reconnecting");
            await Axe.AssertNoViolationsAsync(page, "reconnecting");

            server = await RunningServer.StartAsync(port: port, dataPath: dataPath);
            await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");
            // The log is durable: the page resumes and gets the interruption, published while it was away, as a live event.
            await Expect(documents.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "during.md" })).ToContainTextAsync("interrupted by a server restart");

            // The truth is what the restarted server says about its tasks: the panel shows each with its outcome.
            using var http = server.CreateHttpClient();
            var tasks = await http.GetFromJsonAsync("api/tasks", AgentPulseJsonContext.Default.ListTaskRecord) ?? [];
            Assert.NotEmpty(tasks);
            var finished = page.GetByRole(AriaRole.List, new() { Name = "Recently finished tasks" });
            foreach (var task in tasks.Where(t => t.Status is AgentTaskStatus.Completed or AgentTaskStatus.Failed).OrderByDescending(t => t.FinishedAt).Take(8))
            {
                var row = finished.GetByRole(AriaRole.Listitem).Filter(new() { HasText = task.Title });
                await Expect(row).ToContainTextAsync(task.Status == AgentTaskStatus.Failed ? "Failed: " + task.Error!.Message : "Completed in");
            }
            await Expect(page.GetByRole(AriaRole.List, new() { Name = "Running tasks" })).ToHaveCountAsync(tasks.Count(t => t.Status == AgentTaskStatus.Running) > 0 ? 1 : 0);
            await browser.ScreenshotAsync("08-reconnected");
            await Axe.AssertNoViolationsAsync(page, "reconnected after a restart");
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
            try
            {
                Directory.Delete(dataPath, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public async Task Page_TakesADroppedFile_AndDeletesIt()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");

        // What a drag from the desktop delivers: a drop event whose DataTransfer holds the file.
        var files = await page.EvaluateHandleAsync("""
            () => {
              const transfer = new DataTransfer();
              transfer.items.add(new File(['# Dropped\n\nA note about a walrus.'], 'dropped.md', { type: 'text/markdown' }));
              return transfer;
            }
            """);
        await page.GetByRole(AriaRole.Group, new() { Name = "Upload documents" }).DispatchEventAsync("drop", new { dataTransfer = files });

        var library = page.GetByRole(AriaRole.List, new() { Name = "Documents", Exact = true });
        await Expect(library.GetByRole(AriaRole.Listitem)).ToHaveTextAsync(new Regex("^\\s*dropped\\.md\\s+33 B · 1 chunk · uploaded just now\\s+Indexed\\s*$"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete dropped.md" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();

        await Expect(page.GetByText("No documents yet. Upload one to get started.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Page_IsUsableFromTheKeyboard()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");

        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        var views = page.GetByRole(AriaRole.Navigation, new() { Name = "Views" });
        await Expect(views.GetByRole(AriaRole.Link, new() { Name = "Dashboard" })).ToBeFocusedAsync();
        await Expect(views.GetByRole(AriaRole.Link, new() { Name = "Dashboard" })).ToHaveAttributeAsync("aria-current", "page");
        await page.Keyboard.PressAsync("Tab");
        await Expect(views.GetByRole(AriaRole.Link, new() { Name = "3D view" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Search documents")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("nothing-matches-this");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByText("No documents match “nothing-matches-this”.")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Choose files")).ToBeFocusedAsync();
        await browser.ScreenshotAsync("09-keyboard");
        await Axe.AssertNoViolationsAsync(page, "keyboard, no results");
    }

    [Fact]
    public async Task Page_UnderAThousandProgressEvents_RendersTheBarAtMostTenTimesASecond()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");
        await page.EvaluateAsync("""
            () => {
              window.__renders = [];
              new MutationObserver(records => {
                for (const r of records) {
                  if (r.target.getAttribute && r.target.getAttribute('aria-label') === 'Stress test') window.__renders.push(performance.now());
                }
              }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['aria-valuenow'] });
            }
            """);
        using var http = server.CreateHttpClient();
        await Events.PublishAsync(http, CloudEvent.Create(new TaskStarted("stress", "test", "Stress test", "tester", null), "/tests/stress"));

        await Expect(page.GetByRole(AriaRole.Progressbar, new() { Name = "Stress test" })).ToHaveAttributeAsync("aria-valuenow", "0");
        for (var batch = 0; batch < 2; batch++)
        {
            await Events.PublishAsync(http, [.. Enumerable.Range(batch * 500 + 1, 500)
                .Select(i => CloudEvent.Create(new TaskProgress("stress", i / 1000.0, "working", $"step {i} of 1000", i, 1000), "/tests/stress"))]);
        }

        await Expect(page.GetByRole(AriaRole.Progressbar, new() { Name = "Stress test" })).ToHaveAttributeAsync("aria-valuenow", "100");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Running tasks" })).ToContainTextAsync("step 1000 of 1000");
        var renders = await page.EvaluateAsync<double[]>("window.__renders");
        var span = renders[^1] - renders[0];
        // A render now, then at most one per 100 ms: 1,000 events never cost 1,000 renders.
        Assert.InRange(renders.Length, 1, (int)(span / 100) + 2);
        Assert.True(renders.Length < 50, $"{renders.Length} renders for 1,000 events");
    }

    [Fact]
    public async Task Page_WhenLeft_ClosesItsConnectionWith1000()
    {
        var log = new ServerLog();
        await using var server = await RunningServer.StartAsync(configure: log.AddTo);
        await using var browser = await Chromium.LaunchAsync(TestName());
        await browser.Page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(browser.Page)).ToHaveTextAsync("Connected");
        var connectionId = Assert.Single(server.Get<AgentPulse.AspNetCore.IAgentPulseConnections>().ConnectionIds);

        await browser.Page.GotoAsync("about:blank");

        // Without the page's pagehide handler the browser would close with 1001 (going away).
        var closed = await log.WaitForAsync(201, $"Connection {connectionId} closed", TimeSpan.FromSeconds(30));
        Assert.Equal($"Connection {connectionId} closed (1000 page hidden).", closed);
    }

    [Theory]
    [InlineData("window.dispatchEvent(new Event('online'))")]
    [InlineData("document.dispatchEvent(new Event('visibilitychange'))")]
    public async Task Page_WhenTheBrowserComesOnlineOrTheTabIsShown_ReconnectsAtOnce_RatherThanAtTheNextAttempt(string signal)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "agentpulse-tests", Guid.NewGuid().ToString("N"));
        RunningServer? server = await RunningServer.StartAsync(dataPath: dataPath);
        var port = server.Port;
        try
        {
            await using var browser = await Chromium.LaunchAsync(TestName() + (signal.StartsWith("window", StringComparison.Ordinal) ? "-online" : "-visible"));
            var page = browser.Page;
            await page.GotoAsync(server.BaseAddress.ToString());
            await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");

            await server.StopAsync();
            server = null;
            // The last attempt waits 8 to 16 s.
            await Expect(ConnectionStatus(page)).ToHaveTextAsync(LastAttemptWaiting());
            server = await RunningServer.StartAsync(port: port, dataPath: dataPath);
            // The restart took some of the wait (more on a busy machine): what is left now bounds the test.
            // The text rounds up and is redrawn each second, so the attempt is at least K - 2 s away.
            var waiting = LastAttemptWaiting().Match(await ConnectionStatus(page).InnerTextAsync());
            Assert.True(waiting.Success, "the page should still be waiting for its last attempt");
            var secondsLeft = int.Parse(waiting.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.True(secondsLeft >= 4, $"only {secondsLeft} s were left of the wait after the restart");
            await page.EvaluateAsync(signal);

            await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected", new() { Timeout = (secondsLeft - 2) * 1_000 });
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
            try
            {
                Directory.Delete(dataPath, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public async Task Page_AfterGivingUp_ShowsWhy_AndRetryConnects()
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "agentpulse-tests", Guid.NewGuid().ToString("N"));
        RunningServer? server = await RunningServer.StartAsync(dataPath: dataPath);
        var port = server.Port;
        try
        {
            await using var browser = await Chromium.LaunchAsync(TestName());
            var page = browser.Page;
            await page.GotoAsync(server.BaseAddress.ToString());
            await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");

            await server.StopAsync();
            server = null;
            // Five attempts wait 15.5 to 31 s in all.
            await Expect(ConnectionStatus(page)).ToHaveTextAsync("Disconnected: the server could not be reached (gave up after 5 attempts)", new() { Timeout = 60_000 });
            await browser.ScreenshotAsync("10-disconnected");
            await Axe.AssertNoViolationsAsync(page, "disconnected");
            await page.SetViewportSizeAsync(390, 844);
            await browser.ScreenshotAsync("11-disconnected-narrow");
            server = await RunningServer.StartAsync(port: port, dataPath: dataPath);
            await page.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();

            await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToHaveCountAsync(0);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
            try
            {
                Directory.Delete(dataPath, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    // The last attempt's wait, with the seconds left (7 s or more at first: room for a restart).
    [GeneratedRegex("^Reconnecting, attempt 5 of 5, next in (\\d+) s$")]
    private static partial Regex LastAttemptWaiting();

    [GeneratedRegex("^Reconnecting(…|, attempt [1-5] of 5(…|, next in \\d+ s))$")]
    private static partial Regex ReconnectingText();
}

/// <summary>
/// Holds document tasks as they reach their indexing stage, once enabled, until <see cref="Release"/>
/// or until the server stops them: the page is then seen mid-task, whatever the machine's speed.
/// </summary>
internal sealed class IndexingGate : ITaskCheckpoints
{
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool enabled;

    public bool Enabled
    {
        get => enabled;
        set => enabled = value;
    }

    public void Release() => released.TrySetResult();

    public async ValueTask ReachedAsync(TaskCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        if (enabled && checkpoint.Kind == TaskKinds.DocumentIndex && checkpoint.Stage == "indexing")
        {
            await released.Task.WaitAsync(cancellationToken);
        }
    }
}
