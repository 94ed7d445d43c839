using System.Net;
using AgentPulse.Testing;

namespace AgentPulse.EndToEnd.Tests;

/// <summary>The server as <c>dotnet publish</c> makes it, started from a working directory that is not its own.</summary>
public sealed class PublishedServerTests : IDisposable
{
    private readonly string elsewhere = Path.Combine(Path.GetTempPath(), "agentpulse-tests", Guid.NewGuid().ToString("N"));

    public PublishedServerTests() => Directory.CreateDirectory(elsewhere);

    [Fact]
    public async Task PublishedServer_StartedFromAnotherFolder_ServesThePageAndItsAssets()
    {
        var folder = await Published.FolderAsync();
        await using var server = await ServerProcess.StartAsync(Path.Combine(elsewhere, "data"), appFolder: folder, workingDirectory: elsewhere);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        // Before: 404 for the page, and an empty 200 (with an ETag a browser may cache) for every asset.
        using var index = await http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Contains("<div id=\"app\">", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var asset in new[] { "css/app.css", "js/agentpulse.js", "favicon.svg", "_framework/blazor.webassembly.js" })
        {
            using var response = await http.GetAsync(new Uri(asset, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsByteArrayAsync();
            Assert.True(body.Length > 100, $"{asset}: {body.Length} bytes");
        }
        // A client route gets the page too; an unknown API path does not.
        using var deepLink = await http.GetAsync(new Uri("/some/view", UriKind.Relative));
        Assert.Contains("<div id=\"app\">", await deepLink.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var api = await http.GetAsync(new Uri("/api/nothing-here", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);

        // And the page runs: the published WebAssembly app connects.
        await using var browser = await Chromium.LaunchAsync(nameof(PublishedServer_StartedFromAnotherFolder_ServesThePageAndItsAssets));
        await browser.Page.GotoAsync(server.BaseAddress.ToString());
        await Expect(browser.Page.GetByRole(AriaRole.Status, new() { Name = "Connection" })).ToHaveTextAsync("Connected", new() { Timeout = 60_000 });
        await browser.ScreenshotAsync("published-connected");
        await Axe.AssertNoViolationsAsync(browser.Page, "published, connected");
        Assert.Empty(browser.ConsoleErrors);
    }

    [Fact]
    public async Task PublishedServer_SendsTheFrameworkCompressed_AndLoadsThe3DViewOnlyWhenItIsOpened()
    {
        var folder = await Published.FolderAsync();
        await using var server = await ServerProcess.StartAsync(Path.Combine(elsewhere, "data"), appFolder: folder, workingDirectory: elsewhere);
        var framework = Path.Combine(folder, "wwwroot", "_framework");

        // Every file of the app's first load is there precompressed (brotli and gzip), and is sent so when the browser
        // takes it: the runtime, the framework's assemblies, the app's.
        var core = Path.GetFileName(Directory.GetFiles(framework, "AgentPulse.Web.Core.*.wasm").Single());
        var scene = Path.GetFileName(Directory.GetFiles(framework, "AgentPulse.Web.Scene.*.wasm").Single());
        var runtime = Path.GetFileName(Directory.GetFiles(framework, "dotnet.native.*.wasm").Single());
        foreach (var file in new[] { core, runtime, "blazor.webassembly.js" })
        {
            foreach (var (accept, encoding, extension) in new[] { ("br, gzip", "br", "br"), ("gzip", "gzip", "gz") })
            {
                using var http = new HttpClient { BaseAddress = server.BaseAddress };
                http.DefaultRequestHeaders.Add("Accept-Encoding", accept);
                using var response = await http.GetAsync(new Uri("_framework/" + file, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
                Assert.Equal(new FileInfo(Path.Combine(framework, $"{file}.{extension}")).Length, response.Content.Headers.ContentLength);
            }
        }

        await using var browser = await Chromium.LaunchAsync(nameof(PublishedServer_SendsTheFrameworkCompressed_AndLoadsThe3DViewOnlyWhenItIsOpened), webGl: true);
        var page = browser.Page;
        var requested = new RequestLog(page);
        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Connection" })).ToHaveTextAsync("Connected", new() { Timeout = 60_000 });
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var loaded = requested.Paths();
        Assert.Contains("/_framework/" + core, loaded);
        Assert.DoesNotContain(loaded, SceneAsset.IsOfTheView);

        // The view's assembly comes from the trimmed output when its link is followed, and what it uses of the
        // app's assemblies was kept: the scene runs.
        var assembly = page.WaitForResponseAsync(r => new Uri(r.Url).AbsolutePath == "/_framework/" + scene);
        await page.GetByRole(AriaRole.Link, new() { Name = "3D view" }).ClickAsync();
        var response3D = await assembly;
        Assert.Equal(200, response3D.Status);
        Assert.Equal("br", await response3D.HeaderValueAsync("content-encoding"));
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Scene status" })).ToHaveTextAsync("Connected", new() { Timeout = 60_000 });
        await SceneHook.LoadAsync(page);
        await SceneHook.WaitAsync(page, "v.frames > 0");
        await browser.ScreenshotAsync("published-3d");
        Assert.Empty(browser.ConsoleErrors);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(elsewhere, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
