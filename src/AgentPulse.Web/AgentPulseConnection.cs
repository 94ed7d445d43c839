using System.Net.WebSockets;
using AgentPulse.Web.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.JSInterop;

namespace AgentPulse.Web;

/// <summary>
/// The app's one <see cref="AgentPulseClient"/>: started when the page loads, closed with 1000 on
/// <c>pagehide</c>, retried at once when the browser comes back online or the tab becomes visible.
/// </summary>
public sealed partial class AgentPulseConnection : IAgentPulseConnection, IAsyncDisposable
{
    private readonly AgentPulseClient client;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private int subscriptionCount;
    private WebSocket? socket;
    private DotNetObjectReference<AgentPulseConnection>? lifecycleReference;

    /// <summary>Makes the client for <paramref name="url"/> (not connected until <see cref="StartAsync"/>).</summary>
    public AgentPulseConnection(Uri url, IReconnectPolicy reconnectPolicy, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(reconnectPolicy);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        logger = loggerFactory.CreateLogger<AgentPulseConnection>();
        Url = url;
        MaxAttempts = reconnectPolicy is ExponentialBackoffReconnectPolicy { MaxAttempts: > 0 and var max } ? max : null;
        var options = new AgentPulseClientOptions
        {
            Url = url,
            ReconnectPolicy = reconnectPolicy,
            TimeProvider = timeProvider,
            LoggerFactory = loggerFactory,
            SocketFactory = OpenSocketAsync,
        };
        // Declared up front, so the server-side filter stays put while views come and go.
        foreach (var type in (string[])["task.*", EventTypes.DocumentIndexed, EventTypes.SearchCompleted])
        {
            options.Types.Add(type);
        }
        client = new AgentPulseClient(options);
        client.StateChanged += status => StatusChanged?.Invoke(status);
        client.Resynced += args => Resynced?.Invoke(args);
    }

    /// <inheritdoc/>
    public ConnectionStatus Status => client.Status;

    /// <inheritdoc/>
    public int? MaxAttempts { get; }

    /// <summary>The subscriptions made through this service and not yet disposed.</summary>
    public int SubscriptionCount => Volatile.Read(ref subscriptionCount);

    /// <summary>The URL the client connects to.</summary>
    public Uri Url { get; }

    /// <summary>The client itself (for tests).</summary>
    internal AgentPulseClient Client => client;

    /// <inheritdoc/>
    public event Action<ConnectionStatus>? StatusChanged;

    /// <inheritdoc/>
    public event Action<ResyncEventArgs>? Resynced;

    /// <summary>Starts connecting (without waiting for it) and hooks the page's lifecycle events.</summary>
    public async Task StartAsync(IJSRuntime js)
    {
        ArgumentNullException.ThrowIfNull(js);
        lifecycleReference ??= DotNetObjectReference.Create(this);
        try
        {
            await js.InvokeVoidAsync("agentPulse.lifecycle.register", lifecycleReference);
        }
        catch (JSException ex)
        {
            LogLifecycleUnavailable(logger, ex);
        }
        StartClient();
    }

    /// <inheritdoc/>
    public IDisposable Subscribe(string pattern, Action<CloudEvent> handler) => Count(client.Subscribe(pattern, handler));

    /// <inheritdoc/>
    public IDisposable On<T>(Action<T, CloudEvent> handler) where T : class => Count(client.On(handler));

    /// <inheritdoc/>
    public async Task RetryAsync()
    {
        try
        {
            await client.ReconnectNowAsync();
        }
        catch (InvalidOperationException)
        {
            // Stopped (the page was hidden, then shown): start again.
            StartClient();
        }
    }

    /// <summary>The page is going away (or into the back-forward cache): close with 1000, now.</summary>
    [JSInvokable]
    public void OnPageHide()
    {
        WebSocket? open;
        lock (gate)
        {
            open = socket;
        }
        // The browser runs no more script once the page is gone, so the close frame must leave in this call:
        // the browser's socket sends it when asked, before the task completes.
        if (open is { State: WebSocketState.Open })
        {
            _ = open.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "page hidden", CancellationToken.None);
        }
        _ = client.StopAsync();
    }

    /// <summary>The page is shown again from the back-forward cache, came back online, or became visible.</summary>
    [JSInvokable]
    public Task OnPageActiveAsync() => RetryAsync();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await client.DisposeAsync();
        lifecycleReference?.Dispose();
    }

    private void StartClient()
    {
        _ = StartClientAsync();

        async Task StartClientAsync()
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
                // Already started.
            }
        }
    }

    private async ValueTask<WebSocket> OpenSocketAsync(Uri uri, CancellationToken cancellationToken)
    {
        var browserSocket = new ClientWebSocket();
        try
        {
            await browserSocket.ConnectAsync(uri, cancellationToken);
        }
        catch
        {
            browserSocket.Dispose();
            throw;
        }
        WebSocket opened = browserSocket;
        lock (gate)
        {
            socket = opened;
        }
        return opened;
    }

    private CountedSubscription Count(IDisposable inner)
    {
        Interlocked.Increment(ref subscriptionCount);
        return new CountedSubscription(inner, () => Interlocked.Decrement(ref subscriptionCount));
    }
}
