using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentPulse.Protocol;
using AgentPulse.Server.Tasks;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.EndToEnd.Tests;

/// <summary>
/// The page as a product (issue 14): each test reproduces a defect a person noticed first, or a feature a
/// user of such a dashboard expects, in the real Chromium against the real server. Every state visited is
/// checked with axe-core and leaves a screenshot.
/// </summary>
public sealed partial class ProductTests
{
    private const string LongName = "Quarterly-Financial-Report-2025-Q3-final-reviewed-by-finance.md";

    static ProductTests() => SetDefaultExpectTimeout(30_000);

    private static ILocator ConnectionStatus(IPage page) => page.GetByRole(AriaRole.Status, new() { Name = "Connection" });

    private static ILocator Notifications(IPage page) => page.GetByRole(AriaRole.Region, new() { Name = "Notifications" });

    private static ILocator Running(IPage page) => page.GetByRole(AriaRole.List, new() { Name = "Running tasks" });

    private static ILocator Finished(IPage page) => page.GetByRole(AriaRole.List, new() { Name = "Recently finished tasks" });

    private static ILocator DocumentList(IPage page) => page.GetByRole(AriaRole.List, new() { Name = "Documents", Exact = true });

    private static ILocator Badges(IPage page, string text) => page.Locator(".badge").GetByText(text, new() { Exact = true });

    private static string TestName([System.Runtime.CompilerServices.CallerMemberName] string name = "") => name;

    private static async Task<(RunningServer Server, Chromium Browser)> OpenAsync(string name, IndexingGate? gate = null, int width = 1280, int height = 800)
    {
        var server = await RunningServer.StartAsync(configure: gate is null ? null : builder => builder.Services.AddSingleton<ITaskCheckpoints>(gate));
        var browser = await Chromium.LaunchAsync(name, width, height);
        await browser.Page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(browser.Page)).ToHaveTextAsync("Connected");
        return (server, browser);
    }

    private static async Task UploadAsync(IPage page, params FilePayload[] files) =>
        await page.GetByLabel("Choose files").SetInputFilesAsync(files);

    private static FilePayload Text(string name, string text) =>
        new() { Name = name, MimeType = "text/markdown", Buffer = System.Text.Encoding.UTF8.GetBytes(text) };

    private static Task<bool> ScrollsSidewaysAsync(IPage page) =>
        page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth");

    [Fact]
    public async Task LongNames_AreCutWithAnEllipsis_AndShownWholeOnHoverAndFocus_AtEveryWidth()
    {
        var gate = new IndexingGate();
        var (server, browser) = await OpenAsync(TestName(), gate);
        await using var _ = server;
        await using var __ = browser;
        var page = browser.Page;

        // One long-named document indexed (so search finds it), one held mid-indexing (so it runs).
        await UploadAsync(page, Files.Markdown("Indexed-" + LongName, "zeppelin", paragraphs: 20));
        await Expect(Badges(page, "Indexed")).ToHaveCountAsync(1);
        gate.Enabled = true;
        await UploadAsync(page, Files.Markdown(LongName, "zeppelin"));
        var runningTitle = Running(page).GetByRole(AriaRole.Listitem).Locator(".task-title");
        await Expect(runningTitle).ToHaveTextAsync("Indexing " + LongName);
        await page.GetByLabel("Search documents").FillAsync("zeppelin");
        await page.GetByLabel("Search documents").PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Search results" }).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);

        foreach (var width in new[] { 1280, 1024, 768, 600, 414, 375, 320 })
        {
            await page.SetViewportSizeAsync(width, 800);
            Assert.False(await ScrollsSidewaysAsync(page), $"At {width} px the page scrolls sideways: scrollWidth {await page.EvaluateAsync<int>("document.documentElement.scrollWidth")}.");
            await browser.ScreenshotAsync($"long-names-{width}");
        }

        // At 320 px the name is cut with an ellipsis, carries the whole name as its title (hover)…
        Assert.Equal("Indexing " + LongName, await runningTitle.GetAttributeAsync("title"));
        Assert.Equal("ellipsis", await runningTitle.EvaluateAsync<string>("e => getComputedStyle(e).textOverflow"));
        Assert.True(await runningTitle.EvaluateAsync<bool>("e => e.scrollWidth > e.clientWidth"), "the long title should be cut at 320 px");
        foreach (var name in await page.Locator(".doc-name, .result-name").AllAsync())
        {
            Assert.False(string.IsNullOrEmpty(await name.GetAttributeAsync("title")), "every name that may be cut carries its whole text as a title");
        }
        // …and is shown whole while the task has the keyboard focus.
        await Running(page).GetByRole(AriaRole.Button, new() { Name = "Cancel Indexing " + LongName }).FocusAsync();
        Assert.True(await runningTitle.EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth"), "the focused task shows its whole title");
        await browser.ScreenshotAsync("long-names-320-focused");
        await Axe.AssertNoViolationsAsync(page, "long names at 320 px");
        gate.Release();
    }

    [Fact]
    public async Task Notifications_FollowThePolicy_NothingInlineIsToasted_BurstsAreGrouped_AndNothingCoversTheActivity()
    {
        var (server, browser) = await OpenAsync(TestName());
        await using var _ = server;
        await using var __ = browser;
        var page = browser.Page;

        // Three files indexed while the documents list is in view: the list says so, no toast repeats it.
        await UploadAsync(page, Text("one.md", "# One\n\nkestrel"), Text("two.md", "# Two\n\nkestrel"), Text("three.md", "# Three\n\nkestrel"));
        await Expect(Badges(page, "Indexed")).ToHaveCountAsync(3);
        // A search: its results are inline, where the person typed.
        await page.GetByLabel("Search documents").FillAsync("kestrel");
        await page.GetByLabel("Search documents").PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Search results" }).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(3);
        Assert.Empty(await browser.ToastsSeenAsync());
        await Axe.AssertNoViolationsAsync(page, "indexed inline, no toasts");

        // Out of sight (a narrow window shows the documents below the activity): a burst is one toast.
        await page.SetViewportSizeAsync(1280, 420);
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await UploadAsync(page, Text("four.md", "# Four"), Text("five.md", "# Five"), Text("six.md", "# Six"));
        await Expect(Notifications(page).Locator(".toast")).ToHaveCountAsync(1);
        await Expect(Notifications(page).Locator(".toast")).ToContainTextAsync("3 documents indexed");
        await browser.ScreenshotAsync("policy-grouped");

        // Toasts never cover the activity panel.
        var toast = await Notifications(page).Locator(".toast").BoundingBoxAsync();
        var activity = await page.Locator(".activity").BoundingBoxAsync();
        Assert.NotNull(toast);
        Assert.NotNull(activity);
        Assert.False(toast.X < activity.X + activity.Width && activity.X < toast.X + toast.Width && toast.Y < activity.Y + activity.Height && activity.Y < toast.Y + toast.Height,
            $"The toast ({toast.X},{toast.Y} {toast.Width}×{toast.Height}) covers the activity panel ({activity.X},{activity.Y} {activity.Width}×{activity.Height}).");
        await Axe.AssertNoViolationsAsync(page, "a grouped toast");

        // A failure says its reason once, without the name twice.
        await UploadAsync(page, Files.CorruptPdf("broken.pdf"));
        var alert = Notifications(page).GetByRole(AriaRole.Alert);
        await Expect(alert).ToContainTextAsync("broken.pdf could not be read: the PDF is damaged.");
        Assert.Single(Regex.Matches(await alert.InnerTextAsync(), "broken\\.pdf"));

        // Escape dismisses.
        await page.Keyboard.PressAsync("Escape");
        await Expect(Notifications(page).Locator(".toast")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Notifications_ACancelIsNeutral_NotAnError()
    {
        var gate = new IndexingGate { Enabled = true };
        var (server, browser) = await OpenAsync(TestName(), gate);
        await using var _ = server;
        await using var __ = browser;
        var page = browser.Page;

        await UploadAsync(page, Files.Markdown("held.md", "walrus"));
        await Expect(Running(page).GetByRole(AriaRole.Progressbar, new() { Name = "Indexing held.md" })).ToBeVisibleAsync();
        await Running(page).GetByRole(AriaRole.Button, new() { Name = "Cancel Indexing held.md" }).ClickAsync();

        var row = Finished(page).GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Indexing held.md" });
        await Expect(row).ToContainTextAsync("Cancelled");
        await Expect(row).Not.ToHaveClassAsync(new Regex("task-failed"));
        await Expect(DocumentList(page).GetByRole(AriaRole.Listitem).Filter(new() { HasText = "held.md" })).ToContainTextAsync("Cancelled");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        await browser.ScreenshotAsync("cancelled");
        await Axe.AssertNoViolationsAsync(page, "a cancelled task");

        // Indexed again from the list.
        gate.Enabled = false;
        gate.Release();
        await DocumentList(page).GetByRole(AriaRole.Button, new() { Name = "Re-index held.md" }).ClickAsync();
        await Expect(DocumentList(page).GetByRole(AriaRole.Listitem).Filter(new() { HasText = "held.md" })).ToContainTextAsync("Indexed");
    }

    [Fact]
    public async Task FirstLoad_SaysConnecting_WithoutARedFlash_OrAHeaderJump()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;
        // Every text the indicator is given (from the DOM, even one that is never painted) and the header's height
        // in every frame that is painted, from the first on.
        await browser.Context.AddInitScriptAsync("""
            window.__statuses = []; window.__headerHeights = []; window.__retry = false;
            new MutationObserver(() => {
              const status = document.querySelector('[role=status][aria-label=Connection]');
              if (status && window.__statuses[window.__statuses.length - 1] !== status.textContent) window.__statuses.push(status.textContent);
              if ([...document.querySelectorAll('button')].some(b => b.textContent.trim() === 'Retry')) window.__retry = true;
            }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
            const frame = () => {
              const header = document.querySelector('.topbar');
              if (header) { const h = header.getBoundingClientRect().height; if (!window.__headerHeights.includes(h)) window.__headerHeights.push(h); }
              requestAnimationFrame(frame);
            };
            requestAnimationFrame(frame);
            """);
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");

        var statuses = JsonSerializer.Deserialize<List<string>>(await page.EvaluateAsync<string>("JSON.stringify(window.__statuses)"))!;
        Assert.Equal(["Connecting…", "Connected"], statuses);
        Assert.False(await page.EvaluateAsync<bool>("window.__retry"), "a Retry button showed during the first load");
        var heights = JsonSerializer.Deserialize<List<double>>(await page.EvaluateAsync<string>("JSON.stringify(window.__headerHeights)"))!;
        Assert.True(heights.Count == 1, "The header's heights: " + string.Join(", ", heights));
        await Axe.AssertNoViolationsAsync(page, "connected, empty");
    }

    [Fact]
    public async Task Delete_AsksFirst_IsShownInEveryViewAtOnce_AndTellsSameNamedDocumentsApart()
    {
        var (server, browser) = await OpenAsync(TestName());
        await using var _ = server;
        await using var __ = browser;
        var page = browser.Page;

        await UploadAsync(page, Text("same.md", "# First\n\nosprey one"));
        await Expect(Badges(page, "Indexed")).ToHaveCountAsync(1);
        await UploadAsync(page, Text("same.md", "# Second\n\nosprey two, a little longer"));
        await Expect(Badges(page, "Indexed")).ToHaveCountAsync(2);
        await page.GetByLabel("Search documents").FillAsync("osprey");
        await page.GetByLabel("Search documents").PressAsync("Enter");
        var results = page.GetByRole(AriaRole.List, new() { Name = "Search results" });
        await Expect(results.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(2);

        // Two documents of one name are told apart, in the list and in the results.
        await Expect(DocumentList(page).GetByRole(AriaRole.Button, new() { Name = "Delete same.md", Exact = true })).ToHaveCountAsync(1);
        await Expect(DocumentList(page).GetByRole(AriaRole.Button, new() { Name = "Delete same.md (2)", Exact = true })).ToHaveCountAsync(1);
        await Expect(results.GetByRole(AriaRole.Heading, new() { Name = "same.md (2)", Exact = true })).ToHaveCountAsync(1);
        await browser.ScreenshotAsync("same-names");

        // Delete asks first; Cancel keeps it.
        await DocumentList(page).GetByRole(AriaRole.Button, new() { Name = "Delete same.md (2)", Exact = true }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("same.md (2)");
        await browser.ScreenshotAsync("delete-confirm");
        await Axe.AssertNoViolationsAsync(page, "the delete confirmation");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(DocumentList(page).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(2);

        // Confirmed: every view drops it at once, and nothing still calls it searchable.
        await DocumentList(page).GetByRole(AriaRole.Button, new() { Name = "Delete same.md (2)", Exact = true }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(DocumentList(page).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);
        await Expect(results.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);
        await Expect(results.GetByRole(AriaRole.Heading, new() { Name = "same.md", Exact = true })).ToHaveCountAsync(1);
        await Expect(page.GetByText("Indexed · searchable")).ToHaveCountAsync(0);
        await Expect(page.Locator(".documents .pill")).ToHaveTextAsync("1 document");
        await browser.ScreenshotAsync("deleted");
        await Axe.AssertNoViolationsAsync(page, "after a delete");
    }

    [Fact]
    public async Task RecentlyFinished_KeepsAFailure_WhenManySearchesFollow()
    {
        var (server, browser) = await OpenAsync(TestName());
        await using var _ = server;
        await using var __ = browser;
        var page = browser.Page;

        await UploadAsync(page, Files.CorruptPdf("broken.pdf"));
        var failure = Finished(page).GetByRole(AriaRole.Listitem).Filter(new() { HasText = "broken.pdf could not be read" });
        await Expect(failure).ToHaveCountAsync(1);
        for (var i = 0; i < 10; i++)
        {
            await page.GetByLabel("Search documents").FillAsync($"query{i}");
            await page.GetByLabel("Search documents").PressAsync("Enter");
            await Expect(page.GetByText($"No documents match “query{i}”.")).ToBeVisibleAsync();
        }
        await Expect(failure).ToHaveCountAsync(1);
        await browser.ScreenshotAsync("failure-kept");
        await Axe.AssertNoViolationsAsync(page, "a failure among searches");
    }

    [Fact]
    public async Task WhileReconnecting_WhatIsShownIsMarkedStale_AndClocksStop()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");
        using (var http = server.CreateHttpClient())
        {
            await Events.PublishAsync(http, CloudEvent.Create(new TaskStarted("long-1", "test", "A long job", "tester", null), "/tests/stale"));
        }
        var elapsed = Running(page).GetByRole(AriaRole.Listitem).Locator(".elapsed");
        await Expect(elapsed).ToBeVisibleAsync();

        await server.StopAsync();
        await Expect(ConnectionStatus(page)).ToHaveTextAsync(new Regex("^Reconnecting"));
        var activity = page.Locator(".activity");
        await Expect(activity).ToContainTextAsync("may be out of date");
        // The countdown ticks at least twice; the task's clock does not move meanwhile.
        var frozen = await elapsed.InnerTextAsync();
        var countdown = await ConnectionStatus(page).InnerTextAsync();
        await Expect(ConnectionStatus(page)).Not.ToHaveTextAsync(countdown);
        countdown = await ConnectionStatus(page).InnerTextAsync();
        await Expect(ConnectionStatus(page)).Not.ToHaveTextAsync(countdown);
        Assert.Equal(frozen, await elapsed.InnerTextAsync());
        await browser.ScreenshotAsync("stale");
        await Axe.AssertNoViolationsAsync(page, "reconnecting, stale");
    }

    [Fact]
    public async Task Accessibility_FocusRingBadgesAndTouchTargets_MeetWcag()
    {
        var (server, browser) = await OpenAsync(TestName(), width: 375, height: 812);
        await using var _ = server;
        await using var __ = browser;
        var page = browser.Page;

        await UploadAsync(page, Text("badge.md", "# Badge\n\nheron"), Files.CorruptPdf("bad.pdf"));
        await Expect(Badges(page, "Indexed")).ToHaveCountAsync(1);
        await Expect(Badges(page, "Failed")).ToHaveCountAsync(1);
        await browser.ScreenshotAsync("a11y-375");
        await Axe.AssertNoViolationsAsync(page, "indexed and failed badges at 375 px");

        // Every button a finger uses at this width is at least 44 × 44 px.
        foreach (var button in await page.Locator("main button:visible, .topbar button:visible").AllAsync())
        {
            var box = await button.BoundingBoxAsync();
            Assert.NotNull(box);
            var name = await button.GetAttributeAsync("aria-label") ?? await button.InnerTextAsync();
            Assert.True(box.Width >= 44 && box.Height >= 44, $"'{name}' is {box.Width}×{box.Height} px at 375 px");
        }

        // The focus ring stands out at least 3:1 from what is around it.
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        var ratio = await page.EvaluateAsync<double>(ContrastOfFocusRing);
        Assert.True(ratio >= 3, $"The focus ring's contrast is {ratio.ToString("0.00", CultureInfo.InvariantCulture)}:1");
    }

    [Fact]
    public async Task ALoad_FetchesTheDocumentsOnce()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;
        var fetches = 0;
        page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/api/documents", StringComparison.Ordinal) && request.Method == "GET")
            {
                Interlocked.Increment(ref fetches);
            }
        };
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");
        await Expect(page.GetByText("No documents yet. Upload one to get started.")).ToBeVisibleAsync();
        // A round trip to the server after the load: anything the load would still fetch has been asked for by then.
        await page.GetByLabel("Search documents").FillAsync("anything");
        await page.GetByLabel("Search documents").PressAsync("Enter");
        await Expect(page.GetByText("No documents match “anything”.")).ToBeVisibleAsync();
        Assert.Equal(1, fetches);
    }

    [Fact]
    public async Task UnderAThousandProgressEvents_ThePageAsksTheServerToConflate_AndGetsAFewFrames()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;
        var urls = new List<string>();
        var progressFrames = 0;
        page.WebSocket += (_, socket) =>
        {
            lock (urls)
            {
                urls.Add(socket.Url);
            }
            socket.FrameReceived += (_, frame) =>
            {
                if (frame.Text?.Contains("\"type\":\"task.progress\"", StringComparison.Ordinal) == true)
                {
                    Interlocked.Increment(ref progressFrames);
                }
            };
        };
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");

        using var http = server.CreateHttpClient();
        await Events.PublishAsync(http, CloudEvent.Create(new TaskStarted("burst", "test", "Burst", "tester", null), "/tests/burst"));
        for (var batch = 0; batch < 2; batch++)
        {
            await Events.PublishAsync(http, [.. Enumerable.Range(batch * 500 + 1, 500)
                .Select(i => CloudEvent.Create(new TaskProgress("burst", i / 1000.0, "working", $"step {i} of 1000", i, 1000), "/tests/burst"))]);
        }
        await Expect(Running(page).GetByRole(AriaRole.Progressbar, new() { Name = "Burst" })).ToHaveAttributeAsync("aria-valuenow", "100");
        await Expect(Running(page)).ToContainTextAsync("step 1000 of 1000");

        Assert.Contains(urls, u => u.Contains("conflate=task.progress%3A10", StringComparison.Ordinal) || u.Contains("conflate=task.progress:10", StringComparison.Ordinal));
        // The first and the last of the stage, and at most ten a second between them: a handful, not a thousand.
        Assert.InRange(progressFrames, 2, 100);
    }

    // The contrast between the focused element's outline and the page behind it (WCAG 2.2 focus appearance).
    private const string ContrastOfFocusRing = """
        () => {
          const el = document.activeElement;
          const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); const p = m[1].split(',').map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
          const lum = ({ r, g, b }) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
          let bg = { r: 255, g: 255, b: 255, a: 1 };
          for (let n = el.parentElement; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor); if (c.a > 0) { bg = c; break; } }
          const o = parse(getComputedStyle(el).outlineColor);
          const mixed = { r: o.r * o.a + bg.r * (1 - o.a), g: o.g * o.a + bg.g * (1 - o.a), b: o.b * o.a + bg.b * (1 - o.a) };
          const [l1, l2] = [lum(mixed), lum(bg)].sort((a, b) => b - a);
          return (l1 + 0.05) / (l2 + 0.05);
        }
        """;
}
