using System.Reflection;
using Microsoft.JSInterop;

namespace AgentPulse.Web.Tests;

public class ActivitySceneTests : WebTestContext
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 17, 0, 0, TimeSpan.Zero);

    private readonly BunitJSModuleInterop module;
    private readonly BunitJSModuleInterop view;

    public ActivitySceneTests()
    {
        module = JSInterop.SetupModule(ActivityScene.ModulePath);
        view = module.SetupModule("create", _ => true);
        view.SetupVoid("update", _ => true).SetVoidResult();
        view.SetupVoid("dispose").SetVoidResult();
    }

    private void VrIs(bool available, string? reason = null) =>
        view.Setup<ActivityScene.VrSupport>("vrSupport").SetResult(new ActivityScene.VrSupport(available, reason));

    private IReadOnlyList<string> Updates() => [.. view.Invocations["update"].Select(i => (string)i.Arguments[0]!)];

    [Fact]
    public void FirstRender_ImportsTheModule_MakesAViewOnTheCanvas_AndSendsThePagesState()
    {
        VrIs(false, "No VR headset was found.");
        Client.Publish(new TaskStarted("t", "document.index", "Indexing notes.md", "indexer", null), T0);

        var cut = Render<ActivityScene>();

        var import = Assert.Single(JSInterop.Invocations["import"]);
        Assert.Equal(ActivityScene.ModulePath, import.Arguments[0]);
        var create = Assert.Single(module.Invocations["create"]);
        Assert.IsType<Microsoft.AspNetCore.Components.ElementReference>(create.Arguments[0]);
        Assert.IsType<DotNetObjectReference<ActivityScene>>(create.Arguments[1]);
        var update = Assert.Single(Updates());
        Assert.Contains("\"title\":\"Indexing notes.md\"", update, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Equal("Connected", cut.Find("[role=status][aria-label='Scene status']").TextContent));
        Assert.Equal("1 agents (indexer): 1 tasks running, 0 queued, 0 recently finished.", cut.Find("#scene-summary").TextContent);
    }

    [Fact]
    public void AThousandProgressEvents_ReachTheSceneInTwoSnapshots()
    {
        VrIs(false, "none");
        Client.Publish(new TaskStarted("t", "document.index", "Indexing big.md", "indexer", null), T0);
        Render<ActivityScene>();
        Time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Single(Updates());

        for (var i = 1; i <= 1000; i++)
        {
            Client.Publish(new TaskProgress("t", i / 1000.0, "indexing", null, i, 1000));
        }
        Time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(3, Updates().Count);
        Assert.Contains("\"progress\":1,", Updates()[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void TheScenesNotifications_AreThePagesToasts_MirroredInALiveRegion()
    {
        VrIs(false, "none");
        var cut = Render<ActivityScene>();
        Time.Advance(TimeSpan.FromMilliseconds(100));

        ToastService.Show(ToastLevel.Success, "notes.md is indexed (5 chunks) and can be searched.");

        Assert.Contains("""{"id":1,"level":"success","title":null,"message":"notes.md is indexed (5 chunks) and can be searched."}""", Updates()[^1], StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Equal("notes.md is indexed (5 chunks) and can be searched.", cut.Find("[role=log][aria-label='Scene notifications'] p").TextContent));

        // The toast's own time is up: it leaves the scene as it leaves the page.
        Time.Advance(ToastService.DefaultDuration);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[role=log] p")));
        Assert.Contains("\"notifications\":[]", Updates()[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAHeadset_EnterVrSaysWhy_AndDoesNothing()
    {
        VrIs(false, "No VR headset was found. Connect one (with its runtime running) and reload this page.");
        var cut = Render<ActivityScene>();

        var button = cut.WaitForElement("button[aria-describedby=vr-status]");
        Assert.Equal("Enter VR", button.TextContent);
        Assert.Equal("true", button.GetAttribute("aria-disabled"));
        Assert.Equal("VR is unavailable: No VR headset was found. Connect one (with its runtime running) and reload this page.", cut.Find("#vr-status").TextContent);

        button.Click();

        Assert.Empty(view.Invocations["enterVr"]);
    }

    [Fact]
    public async Task WithAHeadset_EnterVrEntersIt_AndTheButtonThenLeavesIt()
    {
        VrIs(true);
        view.SetupVoid("enterVr").SetVoidResult();
        view.SetupVoid("exitVr").SetVoidResult();
        var cut = Render<ActivityScene>();
        cut.WaitForAssertion(() => Assert.Equal("A VR headset is ready.", cut.Find("#vr-status").TextContent));
        Assert.False(cut.Find("button[aria-describedby=vr-status]").HasAttribute("aria-disabled"));

        cut.Find("button[aria-describedby=vr-status]").Click();
        Assert.Single(view.Invocations["enterVr"]);
        // The scene reports its session's state (also when the headset ends it).
        await cut.Instance.OnVrStateChanged("in-vr");

        cut.WaitForAssertion(() => Assert.Equal("Exit VR", cut.Find("button[aria-describedby=vr-status]").TextContent));
        Assert.Equal("In VR: put on your headset.", cut.Find("#vr-status").TextContent);
        cut.Find("button[aria-describedby=vr-status]").Click();
        Assert.Single(view.Invocations["exitVr"]);
        await cut.Instance.OnVrStateChanged("not-in-vr");
        cut.WaitForAssertion(() => Assert.Equal("Enter VR", cut.Find("button[aria-describedby=vr-status]").TextContent));
    }

    [Fact]
    public void WhenTheBrowserRefusesVr_TheButtonSaysWhy()
    {
        VrIs(true);
        view.SetupVoid("enterVr").SetException(new JSException("NotAllowedError: the session was not allowed."));
        var cut = Render<ActivityScene>();

        cut.WaitForElement("button[aria-describedby=vr-status]").Click();

        cut.WaitForAssertion(() => Assert.Equal("Could not enter VR: NotAllowedError: the session was not allowed.", cut.Find("#vr-status").TextContent));
    }

    [Fact]
    public void WithoutWebGl_TheViewSaysSo()
    {
        // What Babylon's engine throws on a canvas that cannot give it a WebGL context.
        module.AddInvocationHandler(new Throws("create", new JSException("Error: WebGL not supported")));

        var cut = Render<ActivityScene>();

        cut.WaitForAssertion(() => Assert.Equal("The 3D view could not start: this browser has WebGL turned off or unavailable.", cut.Find("[role=alert]").TextContent));
        Assert.Empty(view.Invocations["update"]);
        Assert.Null(Changed(Activity));
    }

    [Fact]
    public async Task Disposed_DisposesTheView_AndLeavesNoHandlerBehind()
    {
        VrIs(false, "none");
        Render<ActivityScene>();
        Assert.Single(Updates());
        Assert.Equal(2, Client.StateChangedHandlerCount); // the library's, app-wide, and this one
        Assert.NotNull(Changed(Activity));
        Assert.NotNull(Changed(ToastService));

        await DisposeComponentsAsync();

        Assert.Single(view.Invocations["dispose"]);
        Assert.Equal(1, Client.StateChangedHandlerCount); // the library's, app-wide
        Assert.Null(Changed(Activity));
        Assert.Null(Changed(ToastService));
        // Nothing reaches the disposed view.
        Client.Publish(new TaskStarted("t", "document.index", "Indexing late.md", "indexer", null), T0);
        ToastService.Show(ToastLevel.Info, "late");
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(Updates());
    }

    /// <summary>An invocation that fails (bUnit's SetupModule always succeeds).</summary>
    private sealed class Throws : JSRuntimeInvocationHandlerBase<IJSObjectReference>
    {
        public Throws(string identifier, Exception exception)
            : base(invocation => invocation.Identifier == identifier, isCatchAllHandler: false) => SetExceptionBase(exception);
    }

    private static Delegate? Changed(object owner) =>
        owner.GetType().GetField("Changed", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(owner) as Delegate;
}
