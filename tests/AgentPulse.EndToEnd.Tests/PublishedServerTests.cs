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
