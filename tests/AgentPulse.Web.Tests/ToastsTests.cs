namespace AgentPulse.Web.Tests;

public class ToastsTests : WebTestContext
{
    [Fact]
    public void Host_RendersEachLevelInALiveRegion_WithItsStyle()
    {
        var cut = Render<Toasts>();

        ToastService.Show(ToastLevel.Success, "notes.md is indexed");
        ToastService.Show(ToastLevel.Error, "Could not index bad.pdf: damaged");
        ToastService.Show(ToastLevel.Info, "Search done");

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll(".toast").Count));
        Assert.Equal("polite", cut.Find("section").GetAttribute("aria-live"));
        Assert.Equal("Notifications", cut.Find("section").GetAttribute("aria-label"));
        Assert.Equal(
            ["toast toast-success", "toast toast-error", "toast toast-info"],
            cut.FindAll(".toast").Select(t => t.ClassName));
        Assert.Equal("alert", cut.FindAll(".toast")[1].GetAttribute("role"));
        Assert.Equal("Could not index bad.pdf: damaged", cut.FindAll(".toast-message")[1].TextContent);
    }

    [Fact]
    public void Toast_GoesAfterFiveSeconds_OnTheInjectedClock()
    {
        var cut = Render<Toasts>();
        ToastService.Show(ToastLevel.Info, "hello");
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll(".toast")));

        Time.Advance(TimeSpan.FromSeconds(5));

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".toast")));
    }

    [Fact]
    public void HoveredToast_Stays_AndGoesAfterThePointerLeaves()
    {
        var cut = Render<Toasts>();
        ToastService.Show(ToastLevel.Info, "hover me");
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll(".toast")));

        cut.Find(".toast").MouseEnter();
        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(cut.FindAll(".toast"));

        cut.Find(".toast").MouseLeave();
        Time.Advance(TimeSpan.FromSeconds(5));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".toast")));
    }

    [Fact]
    public void DismissButton_RemovesTheToast()
    {
        var cut = Render<Toasts>();
        ToastService.Show(ToastLevel.Error, "go away");
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll(".toast")));

        cut.Find("button[aria-label='Dismiss notification']").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".toast")));
        Assert.Empty(ToastService.Toasts);
    }

    [Fact]
    public async Task Escape_DismissesEveryToast_AndEachToastSaysWhenItCame()
    {
        var cut = Render<Toasts>();
        ToastService.Show(ToastLevel.Info, "one");
        ToastService.Show(ToastLevel.Error, "two");
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll(".toast").Count));
        Assert.Equal(Format.TimeOfDay(Time.GetUtcNow(), Time.GetUtcNow()), cut.Find(".toast-time").TextContent);
        Assert.Single(JSInterop.Invocations, i => i.Identifier == "agentPulse.page.onEscape");

        await cut.InvokeAsync(cut.Instance.OnEscape);

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".toast")));
    }
}
