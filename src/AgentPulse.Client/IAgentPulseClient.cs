using System.Net.WebSockets;
using AgentPulse.Protocol;

namespace AgentPulse.Client;

/// <summary>
/// An app's connection to AgentPulse, as its views and services use it: the state, subscriptions,
/// resyncs, and the calls that start, stop and retry it. <see cref="AgentPulseClient"/> is the
/// implementation; <c>AddAgentPulseClient</c> registers it as this interface, and tests put a fake in its place.
/// </summary>
/// <remarks>
/// Callbacks (handlers, <see cref="StateChanged"/>, <see cref="Resynced"/>) run on the client's dispatch loop, one at
/// a time, in the order the client saw things; never on the socket's receive loop. In the browser that is the page's
/// only thread; a Blazor component changes its state there and calls <c>InvokeAsync(StateHasChanged)</c>.
/// </remarks>
public interface IAgentPulseClient
{
    /// <summary>The state with its attempt, next delay, typed reason and last close code.</summary>
    ConnectionStatus Status { get; }

    /// <summary>How many reconnect attempts are made before giving up (<see cref="IReconnectPolicy.MaxAttempts"/>); <c>null</c> when there is no fixed limit.</summary>
    int? MaxAttempts { get; }

    /// <summary>Raised on every change of <see cref="Status"/>, on the dispatch loop, in order with events.</summary>
    event Action<ConnectionStatus>? StateChanged;

    /// <summary>
    /// Raised when a connection was not recovered, the first one included: carries the server's snapshot of
    /// tasks, so that views reload their state from it. Runs before any event that follows the snapshot.
    /// </summary>
    event Action<ResyncEventArgs>? Resynced;

    /// <summary>Connects; completes when the first connection is up (see <see cref="AgentPulseClient.StartAsync"/>).</summary>
    Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>Closes with 1000 and stops reconnecting; the position is kept, so a later start resumes.</summary>
    Task StopAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Closes with <paramref name="closeStatus"/> and <paramref name="statusDescription"/> and stops reconnecting.
    /// The close frame is handed to the socket before this method returns, so a browser's <c>pagehide</c>
    /// handler, after which no more script runs, can call it without awaiting.
    /// </summary>
    Task StopAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken = default);

    /// <summary>
    /// Tries now, from attempt 1 again (a Retry button; the browser coming online or visible); starts the client
    /// when it is stopped; checks the connection with a ping while connected (see <see cref="AgentPulseClient.ReconnectNowAsync"/>).
    /// </summary>
    Task ReconnectNowAsync(CancellationToken cancellationToken = default);

    /// <summary>Calls <paramref name="handler"/> for every event whose type matches <paramref name="pattern"/> (<c>document.indexed</c>, <c>task.*</c>, <c>*</c>).</summary>
    /// <returns>Dispose it to unsubscribe: no call begins after that.</returns>
    IDisposable Subscribe(string pattern, Action<CloudEvent> handler);

    /// <summary>The asynchronous form of <see cref="Subscribe(string, Action{CloudEvent})"/>; the next event waits for it.</summary>
    IDisposable Subscribe(string pattern, Func<CloudEvent, ValueTask> handler);

    /// <summary>Calls <paramref name="handler"/> with the payload and envelope of every event of <typeparamref name="T"/>'s catalog type (<c>On&lt;TaskProgress&gt;</c>).</summary>
    /// <returns>Dispose it to unsubscribe: no call begins after that.</returns>
    IDisposable On<T>(Action<T, CloudEvent> handler) where T : class;

    /// <summary>The asynchronous form of <see cref="On{T}(Action{T, CloudEvent})"/>; the next event waits for it.</summary>
    IDisposable On<T>(Func<T, CloudEvent, ValueTask> handler) where T : class;

    /// <summary>The events whose type matches <paramref name="pattern"/>, until cancelled or left, or the client is disposed.</summary>
    IAsyncEnumerable<CloudEvent> StreamAsync(string pattern, CancellationToken cancellationToken = default);
}
