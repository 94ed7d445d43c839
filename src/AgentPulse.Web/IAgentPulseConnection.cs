namespace AgentPulse.Web;

/// <summary>
/// The app's one connection, for components: its status, a retry, and subscriptions (the request's
/// <c>useWebSocket</c> and <c>useWebSocketEvent</c> hooks, as a service). Every subscription returns an
/// <see cref="IDisposable"/>: dispose it in the component's <c>Dispose</c>, and nothing is left behind.
/// </summary>
/// <remarks>
/// Callbacks run on the client's dispatch loop (in the browser, the page's only thread), never during a
/// render: a component changes its state in them and then calls <c>InvokeAsync(StateHasChanged)</c>.
/// </remarks>
public interface IAgentPulseConnection
{
    /// <summary>The status now.</summary>
    ConnectionStatus Status { get; }

    /// <summary>How many reconnect attempts are made before giving up; <c>null</c> when there is no limit.</summary>
    int? MaxAttempts { get; }

    /// <summary>Raised on every change of <see cref="Status"/>.</summary>
    event Action<ConnectionStatus>? StatusChanged;

    /// <summary>Raised when the connection could not resume and the server sent its snapshot of tasks (also on the first connect).</summary>
    event Action<ResyncEventArgs>? Resynced;

    /// <summary>Calls <paramref name="handler"/> for each event whose type matches <paramref name="pattern"/> (<c>document.indexed</c>, <c>task.*</c>, <c>*</c>).</summary>
    /// <returns>Dispose it to unsubscribe.</returns>
    IDisposable Subscribe(string pattern, Action<CloudEvent> handler);

    /// <summary>Calls <paramref name="handler"/> with the payload of each event of <typeparamref name="T"/>'s type (<c>On&lt;DocumentIndexed&gt;</c>).</summary>
    /// <returns>Dispose it to unsubscribe.</returns>
    IDisposable On<T>(Action<T, CloudEvent> handler) where T : class;

    /// <summary>Tries to connect now (the Retry button; the browser coming online or visible). Does nothing while connected.</summary>
    Task RetryAsync();
}
