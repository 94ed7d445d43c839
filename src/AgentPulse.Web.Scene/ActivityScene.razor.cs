using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Logging;
using Microsoft.JSInterop;

namespace AgentPulse.Web.Scene;

/// <summary>
/// The 3D view: owns the scene module (<c>_content/AgentPulse.Web.Scene/js/scene.js</c>, imported when this component first renders, so
/// the 2D page never loads it) and one view made on its canvas; feeds it snapshots of the page's state
/// through a <see cref="SceneFeed"/> (at most 10 a second); offers VR. Disposed with the page: the feed stops,
/// the view disposes its engine and WebGL context, the module reference is released.
/// </summary>
public sealed partial class ActivityScene
{
    /// <summary>Where the bundle is, relative to the page's base.</summary>
    public const string ModulePath = "./_content/AgentPulse.Web.Scene/js/scene.js";

    private ElementReference canvas;
    private IJSObjectReference? module;
    private IJSObjectReference? view;
    private DotNetObjectReference<ActivityScene>? host;
    private SceneFeed? feed;
    private VrSupport? vr;
    private string vrState = "not-in-vr";
    private string? vrError;
    private string? failure;
    private string statusText = "";
    private string summary = "";
    private IReadOnlyList<SceneNotification> notifications = [];
    private bool disposed;

    [Inject]
    private IJSRuntime JS { get; set; } = null!;

    [Inject]
    private AgentActivity Activity { get; set; } = null!;

    [Inject]
    private IAgentPulseClient Client { get; set; } = null!;

    [Inject]
    private ToastService Toasts { get; set; } = null!;

    [Inject]
    private Notifications Notifications { get; set; } = null!;

    [Inject]
    private TimeProvider Time { get; set; } = null!;

    [Inject]
    private ILogger<ActivityScene> Logger { get; set; } = null!;

    private bool VrUnavailable => vr is not { Available: true };

    private string VrText => vrError ?? vr switch
    {
        null => "Checking for a VR headset…",
        { Available: false, Reason: var reason } => "VR is unavailable: " + reason,
        _ => vrState switch
        {
            "entering" => "Entering VR…",
            "in-vr" => "In VR: put on your headset.",
            _ => "A VR headset is ready.",
        },
    };

    /// <summary>The headset's session changed (also when it ends from the headset).</summary>
    [JSInvokable]
    public Task OnVrStateChanged(string state) => InvokeAsync(() =>
    {
        vrState = state;
        if (state == "in-vr")
        {
            vrError = null;
        }
        // In the headset nothing of the page is in view: the notification policy then shows every outcome, on the scene's panel.
        Notifications.Immersive = state == "in-vr";
        StateHasChanged();
    });

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }
        try
        {
            module = await JS.InvokeAsync<IJSObjectReference>("import", ModulePath);
            if (disposed)
            {
                await module.DisposeAsync();
                return;
            }
            host = DotNetObjectReference.Create(this);
            view = await module.InvokeAsync<IJSObjectReference>("create", canvas, host);
            if (disposed)
            {
                await ReleaseAsync();
                return;
            }
        }
        catch (JSException ex)
        {
            // No WebGL (switched off, or no GPU and no software fallback), or the bundle could not be loaded.
            LogSceneUnavailable(Logger, ex);
            failure = "The 3D view could not start: " + (ex.Message.Contains("WebGL", StringComparison.OrdinalIgnoreCase)
                ? "this browser has WebGL turned off or unavailable."
                : ex.Message);
            StateHasChanged();
            return;
        }
        feed = new SceneFeed(Activity, Client, Toasts, Time, snapshot => _ = InvokeAsync(() => SendAsync(snapshot)));
        feed.Start();
        try
        {
            vr = await view.InvokeAsync<VrSupport>("vrSupport");
        }
        catch (JSDisconnectedException)
        {
            return;
        }
        if (!disposed)
        {
            StateHasChanged();
        }
    }

    public async ValueTask DisposeAsync()
    {
        disposed = true;
        Notifications.Immersive = false;
        feed?.Dispose();
        feed = null;
        await ReleaseAsync();
    }

    private async Task SendAsync(SceneSnapshot snapshot)
    {
        if (view is null || disposed)
        {
            return;
        }
        try
        {
            await view.InvokeVoidAsync("update", SceneJson.Write(snapshot));
        }
        catch (JSDisconnectedException)
        {
            return;
        }
        catch (JSException ex)
        {
            // A fault in the scene must not take the page down; the next snapshot carries the whole state again.
            LogSnapshotFailed(Logger, ex);
            return;
        }
        // The live region says what the scene now shows.
        statusText = snapshot.Status.Text;
        notifications = snapshot.Notifications;
        summary = Summary(snapshot);
        StateHasChanged();
    }

    private static string Summary(SceneSnapshot snapshot)
    {
        int Count(AgentTaskStatus status) => snapshot.Tasks.Count(t => t.Status == status);
        var finished = Count(AgentTaskStatus.Completed) + Count(AgentTaskStatus.Failed);
        return snapshot.Stations.Count == 0
            ? "No agent has reported yet."
            : string.Create(CultureInfo.InvariantCulture, $"{snapshot.Stations.Count} agents ({string.Join(", ", snapshot.Stations)}): {Count(AgentTaskStatus.Running)} tasks running, {Count(AgentTaskStatus.Queued)} queued, {finished} recently finished.");
    }

    private async Task ToggleVrAsync()
    {
        if (view is null || VrUnavailable)
        {
            return;
        }
        try
        {
            if (vrState is "in-vr" or "entering")
            {
                await view.InvokeVoidAsync("exitVr");
            }
            else
            {
                vrError = null;
                await view.InvokeVoidAsync("enterVr");
            }
        }
        catch (JSException ex)
        {
            vrError = "Could not enter VR: " + ex.Message;
        }
    }

    private async Task ResetViewAsync()
    {
        if (view is not null)
        {
            await view.InvokeVoidAsync("resetView");
        }
    }

    private async Task ReleaseAsync()
    {
        try
        {
            if (view is not null)
            {
                await view.InvokeVoidAsync("dispose");
                await view.DisposeAsync();
            }
            if (module is not null)
            {
                await module.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The page is gone, and the scene with it.
        }
        view = null;
        module = null;
        host?.Dispose();
        host = null;
    }

    /// <summary>What the scene module says about VR here.</summary>
    internal sealed record VrSupport(bool Available, string? Reason);
}
