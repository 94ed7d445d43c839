using System.Text.Json;
using AgentPulse.Protocol;
using AgentPulse.Server.Tasks;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.EndToEnd.Tests;

/// <summary>What users of such a dashboard expect (issue 14, "Missing"), in the real Chromium against the real server.</summary>
public sealed class FeatureTests
{
    static FeatureTests() => SetDefaultExpectTimeout(30_000);

    private static ILocator ConnectionStatus(IPage page) => page.GetByRole(AriaRole.Status, new() { Name = "Connection" });

    private static ILocator Activity(IPage page) => page.Locator(".activity");

    private static FilePayload Text(string name, string text) =>
        new() { Name = name, MimeType = "text/markdown", Buffer = System.Text.Encoding.UTF8.GetBytes(text) };

    private static string TestName([System.Runtime.CompilerServices.CallerMemberName] string name = "") => name;

    [Fact]
    public async Task ATasksDetails_ListItsEventsWithTheirTimes_AndFiltersByAgentAndStatusNarrowTheList()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");
        using var http = server.CreateHttpClient();
        await Events.PublishAsync(http,
            CloudEvent.Create(new TaskStarted("crawl", "test", "Crawling the archive", "crawler", null), "/tests/features"),
            CloudEvent.Create(new TaskProgress("crawl", 0.25, "fetching", "page 1 of 4", 1, 4), "/tests/features"),
            CloudEvent.Create(new TaskProgress("crawl", 0.5, "fetching", "page 2 of 4", 2, 4), "/tests/features"),
            CloudEvent.Create(new TaskStarted("sum", "test", "Summarising", "summariser", null), "/tests/features"),
            CloudEvent.Create(new TaskFailed("sum", new TaskError("no_input", "There was nothing to summarise."), false), "/tests/features"));

        var details = page.GetByRole(AriaRole.Button, new() { Name = "Details of Crawling the archive" });
        await details.ClickAsync();
        await Expect(details).ToHaveAttributeAsync("aria-expanded", "true");
        var events = Activity(page).Locator(".events tbody tr");
        await Expect(events).ToHaveCountAsync(3);
        await Expect(events.Nth(2)).ToContainTextAsync("fetching · page 2 of 4 · 50%");
        await Expect(events.Nth(0).Locator("time")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^\\d{2}:\\d{2}:\\d{2}$"));
        await browser.ScreenshotAsync("details");
        await Axe.AssertNoViolationsAsync(page, "a task's details");

        await page.GetByLabel("Filter by agent").SelectOptionAsync("summariser");
        await Expect(Activity(page).Locator(".task-title")).ToHaveTextAsync(["Summarising"]);
        await page.GetByLabel("Filter by agent").SelectOptionAsync("");
        await page.GetByLabel("Filter by status").SelectOptionAsync("running");
        await Expect(Activity(page).Locator(".task-title")).ToHaveTextAsync(["Crawling the archive"]);
        await browser.ScreenshotAsync("filtered");
        await Axe.AssertNoViolationsAsync(page, "filtered");
    }

    [Fact]
    public async Task TheDarkTheme_FollowsTheSystem_AndEveryStateStaysReadable()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");

        await page.GetByLabel("Choose files").SetInputFilesAsync([Text("dark.md", "# Dark\n\nowl at night"), Files.CorruptPdf("broken.pdf")]);
        await Expect(page.Locator(".badge").GetByText("Failed", new() { Exact = true })).ToHaveCountAsync(1);
        await Expect(page.Locator(".badge").GetByText("Indexed", new() { Exact = true })).ToHaveCountAsync(1);
        await page.GetByLabel("Search documents").FillAsync("owl");
        await page.GetByLabel("Search documents").PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Search results" }).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);

        var background = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        Assert.Equal("rgb(15, 17, 23)", background);
        await browser.ScreenshotAsync("dark");
        await Axe.AssertNoViolationsAsync(page, "dark theme");
    }

    [Fact]
    public async Task TheTab_SaysWhatRunsAndWhetherThePageIsLive_InItsTitleAndIcon()
    {
        await using var server = await RunningServer.StartAsync();
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");
        await Expect(page).ToHaveTitleAsync("AgentPulse");
        var icon = page.Locator("link#favicon");
        await Expect(icon).ToHaveAttributeAsync("href", "favicon.svg");

        using (var http = server.CreateHttpClient())
        {
            await Events.PublishAsync(http, CloudEvent.Create(new TaskStarted("t1", "test", "A job", "tester", null), "/tests/tab"));
        }
        await Expect(page).ToHaveTitleAsync("1 running · AgentPulse");
        await Expect(icon).ToHaveAttributeAsync("href", "favicon-busy.svg");

        await server.StopAsync();
        await Expect(page).ToHaveTitleAsync("Reconnecting… · AgentPulse");
        await Expect(icon).ToHaveAttributeAsync("href", "favicon-offline.svg");
    }

    [Fact]
    public async Task AnIndexingThatEndsWhileTheTabIsHidden_IsABrowserNotification_WhenThePersonAllowedThem()
    {
        var gate = new IndexingGate { Enabled = true };
        await using var server = await RunningServer.StartAsync(configure: builder => builder.Services.AddSingleton<ITaskCheckpoints>(gate));
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;
        // The browser's notifications, recorded; and a tab that can be hidden on demand, as switching tabs does.
        await browser.Context.AddInitScriptAsync("""
            window.__notifications = [];
            window.Notification = class {
              static permission = 'default';
              static async requestPermission() { window.Notification.permission = 'granted'; return 'granted'; }
              constructor(title, options) { window.__notifications.push({ title, body: options.body, tag: options.tag }); }
            };
            window.__hidden = false;
            Object.defineProperty(document, 'visibilityState', { get: () => window.__hidden ? 'hidden' : 'visible' });
            """);
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");

        await page.GetByRole(AriaRole.Button, new() { Name = "Notify me when indexing ends while this tab is hidden" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Notify me when indexing ends while this tab is hidden" })).ToHaveCountAsync(0);
        await page.GetByLabel("Choose files").SetInputFilesAsync(Files.Markdown("away.md", "heron"));
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Running tasks" }).GetByRole(AriaRole.Progressbar, new() { Name = "Indexing away.md" })).ToBeVisibleAsync();
        await page.EvaluateAsync("() => { window.__hidden = true; document.dispatchEvent(new Event('visibilitychange')); }");
        gate.Release();

        await Expect(page.Locator(".badge").GetByText("Indexed", new() { Exact = true })).ToHaveCountAsync(1);
        var shown = await page.EvaluateAsync<JsonElement>("window.__notifications");
        var notification = Assert.Single(shown.EnumerateArray());
        Assert.Equal(("Indexed", "away.md is searchable.", "agentpulse-indexed"),
            (notification.GetProperty("title").GetString(), notification.GetProperty("body").GetString(), notification.GetProperty("tag").GetString()));
        // The documents list, in view, says it too: no toast besides.
        Assert.Empty(await browser.ToastsSeenAsync());
    }

    [Fact]
    public async Task OneDocumentsList_ShowsAFile_OnceFromItsUploadToItsIndexing()
    {
        var gate = new IndexingGate { Enabled = true };
        await using var server = await RunningServer.StartAsync(configure: builder => builder.Services.AddSingleton<ITaskCheckpoints>(gate));
        await using var browser = await Chromium.LaunchAsync(TestName());
        var page = browser.Page;
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");

        await page.GetByLabel("Choose files").SetInputFilesAsync(Files.Markdown("once.md", "lynx"));
        var documents = page.GetByRole(AriaRole.List, new() { Name = "Documents", Exact = true });
        await Expect(documents.GetByRole(AriaRole.Progressbar, new() { Name = "Indexing once.md" })).ToBeVisibleAsync();
        await Expect(page.GetByText("once.md", new() { Exact = true })).ToHaveCountAsync(1);
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Uploads" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Library" })).ToHaveCountAsync(0);
        await browser.ScreenshotAsync("one-list-indexing");
        gate.Release();
        await Expect(documents.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);
        await Expect(documents.Locator(".badge")).ToHaveTextAsync("Indexed");
        await Axe.AssertNoViolationsAsync(page, "one list, indexed");
    }
}
