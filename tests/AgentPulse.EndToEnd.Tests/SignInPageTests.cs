using AgentPulse.Testing;

namespace AgentPulse.EndToEnd.Tests;

/// <summary>
/// The page on a server with <c>AgentPulse:RequireAuthentication=true</c>: sign in with a name (the development
/// sign-in), upload, see the events; a second tab signed in as someone else sees none of it; sign out.
/// </summary>
public sealed class SignInPageTests
{
    static SignInPageTests() => SetDefaultExpectTimeout(30_000);

    private static ILocator ConnectionStatus(IPage page) => page.GetByRole(AriaRole.Status, new() { Name = "Connection" });


    private static async Task SignInAsync(IPage page, string name)
    {
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.GetByLabel("Your name").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByText($"Signed in as {name}")).ToBeVisibleAsync();
        await Expect(ConnectionStatus(page)).ToHaveTextAsync("Connected");
    }

    [Fact]
    public async Task SignIn_Upload_Events_WithAuthenticationOn_AndAnotherUserSeesNoneOfIt()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?> { ["AgentPulse:RequireAuthentication"] = "true" });
        await using var browser = await Chromium.LaunchAsync(nameof(SignIn_Upload_Events_WithAuthenticationOn_AndAnotherUserSeesNoneOfIt));
        var page = browser.Page;

        await page.GotoAsync(server.BaseAddress.ToString());
        await Expect(page.GetByText("sign in above to see yours")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Choose files")).ToHaveCountAsync(0);
        await Expect(ConnectionStatus(page)).ToHaveCountAsync(0); // nothing connects before someone signs in
        await browser.ScreenshotAsync("30-signed-out");

        await SignInAsync(page, "alice");
        await page.GetByLabel("Choose files").SetInputFilesAsync(Files.Markdown("alice-notes.md", "quokka"));
        // The documents list says it is indexed (by the notification policy, no toast repeats it).
        var library = page.GetByRole(AriaRole.List, new() { Name = "Documents", Exact = true });
        await Expect(library.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);
        await Expect(library.Locator(".badge")).ToHaveTextAsync("Indexed");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Recently finished tasks" }).GetByText("Indexing alice-notes.md", new() { Exact = true })).ToBeVisibleAsync();
        await page.GetByLabel("Search documents").FillAsync("quokka");
        await page.GetByLabel("Search documents").PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Search results" }).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);
        await browser.ScreenshotAsync("31-signed-in-indexed");

        // Another tab has a session of its own: bob sees none of alice's documents, tasks or results.
        var bobPage = await browser.Context.NewPageAsync();
        await bobPage.GotoAsync(server.BaseAddress.ToString());
        await SignInAsync(bobPage, "bob");
        await Expect(bobPage.GetByText("No documents yet. Upload one to get started.")).ToBeVisibleAsync();
        await bobPage.GetByLabel("Search documents").FillAsync("quokka");
        await bobPage.GetByLabel("Search documents").PressAsync("Enter");
        await Expect(bobPage.GetByRole(AriaRole.List, new() { Name = "Recently finished tasks" }).GetByText("Searching for “quokka”")).ToBeVisibleAsync();
        await Expect(bobPage.GetByText("Indexing alice-notes.md")).ToHaveCountAsync(0);
        await Expect(bobPage.GetByRole(AriaRole.List, new() { Name = "Search results" })).ToHaveCountAsync(0);
        await bobPage.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotFolder, "32-another-user.png") });

        // Alice's tab is still hers after a reload, and signing out forgets her.
        await page.ReloadAsync();
        await Expect(page.GetByText("Signed in as alice")).ToBeVisibleAsync();
        await Expect(library.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await browser.ScreenshotAsync("33-signed-out-again");

        Assert.Empty(browser.ConsoleErrors);
    }
}
