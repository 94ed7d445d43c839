using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.JSInterop;

namespace AgentPulse.Web;

/// <summary>
/// What only a browser page adds to the app's one <see cref="IAgentPulseClient"/>: it starts the client with
/// the page (without waiting for the connection), closes it with 1000 on <c>pagehide</c>, and tries again at
/// once when the browser comes back online, the tab becomes visible, or the page returns from the back-forward cache.
/// It also tells the <see cref="Notifications"/> policy whether the tab is hidden, and gives it the browser's notifications.
/// </summary>
public sealed partial class PageLifecycle : IDisposable
{
    private readonly IAgentPulseClient client;
    private readonly IJSRuntime js;
    private readonly ILogger logger;
    private readonly Notifications? notifications;
    private DotNetObjectReference<PageLifecycle>? reference;

    /// <summary>Makes the service for the app's client.</summary>
    /// <param name="client">The app's client.</param>
    /// <param name="js">The page.</param>
    /// <param name="logger">Where it logs.</param>
    /// <param name="notifications">The notification policy to tell about the tab's visibility; <c>null</c> for none.</param>
    public PageLifecycle(IAgentPulseClient client, IJSRuntime js, ILogger<PageLifecycle> logger, Notifications? notifications = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(js);
        ArgumentNullException.ThrowIfNull(logger);
        this.client = client;
        this.js = js;
        this.logger = logger;
        this.notifications = notifications;
        if (notifications is not null)
        {
            notifications.SystemNotifier = NotifyAsync;
        }
    }

    /// <summary>Hooks the page's lifecycle events (<c>agentPulse.lifecycle.register</c>) and starts the client, without waiting for the connection.</summary>
    public async Task StartAsync()
    {
        reference ??= DotNetObjectReference.Create(this);
        try
        {
            await js.InvokeVoidAsync("agentPulse.lifecycle.register", reference);
        }
        catch (JSException ex)
        {
            LogLifecycleUnavailable(logger, ex);
        }
        _ = StartClientAsync();
    }

    /// <summary>
    /// The page is going away (or into the back-forward cache): close with 1000, now. The browser runs no more
    /// script once the page is gone, and would close the socket with 1001; the client hands the close frame to
    /// the socket within this call.
    /// </summary>
    [JSInvokable]
    public void OnPageHide() => _ = client.StopAsync(WebSocketCloseStatus.NormalClosure, "page hidden");

    /// <summary>The tab was hidden or shown (also called once at start).</summary>
    [JSInvokable]
    public void OnVisibilityChanged(bool hidden)
    {
        if (notifications is not null)
        {
            notifications.PageHidden = hidden;
        }
    }

    /// <summary>The page is shown again from the back-forward cache, came back online, or became visible: try now (or start again after a <c>pagehide</c>).</summary>
    [JSInvokable]
    public Task OnPageActiveAsync() => client.ReconnectNowAsync();

    /// <inheritdoc/>
    public void Dispose() => reference?.Dispose();

    /// <summary>A browser notification, when the person allowed them (<c>agentPulse.page.notify</c>).</summary>
    private async Task NotifyAsync(string title, string body, string tag)
    {
        try
        {
            await js.InvokeVoidAsync("agentPulse.page.notify", title, body, tag);
        }
        catch (JSException ex)
        {
            LogNotificationFailed(logger, ex);
        }
    }

    private async Task StartClientAsync()
    {
        try
        {
            await client.StartAsync();
        }
        catch (AgentPulseException ex)
        {
            // The status says Disconnected with the reason; the Retry button tries again.
            LogGaveUp(logger, ex.Message);
        }
        catch (InvalidOperationException)
        {
            // Already started (a page event came first).
        }
    }
}
