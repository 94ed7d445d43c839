using System.Net.WebSockets;
using AgentPulse.Client.Internal;
using Microsoft.Extensions.Logging;

namespace AgentPulse.Client;

/// <summary>
/// A connection to an AgentPulse server that stays up: it reconnects with backoff and jitter, resumes
/// after the last event it saw without loss or duplicates, notices a silent server by its heartbeat,
/// and delivers events to any number of pattern, typed and stream subscribers.
/// Runs in Blazor WebAssembly and in any .NET process; nothing in it blocks a thread.
/// </summary>
/// <remarks>
/// <para>
/// Callbacks (subscription handlers, <see cref="StateChanged"/>, <see cref="Resynced"/>) never run on
/// the socket's receive loop. They run one at a time, in the order the client saw things, on the
/// client's dispatch loop: on a thread-pool thread without a <see cref="SynchronizationContext"/> in
/// .NET, on the page's only thread in the browser. A UI must marshal (Blazor: <c>InvokeAsync(StateHasChanged)</c>).
/// A handler that throws is logged and stops neither the other handlers nor the connection; a slow
/// handler delays the ones after it.
/// </para>
/// <para>
/// The server-side filter is the union of <see cref="AgentPulseClientOptions.Types"/> and the patterns of
/// every live subscription: it is sent as <c>types=</c> on every connect and kept up to date with
/// subscribe and unsubscribe operations. When that union is empty the client still connects (for its
/// state, heartbeats and resync snapshots) but asks for no event at all: it sends the pattern
/// <c>session.none</c>, which no event can have, because an empty <c>types=</c> means "everything" on the wire.
/// </para>
/// <para>
/// The class is split by concern, as nats.net splits its connection: this file is the public surface and
/// the state; <c>.Subscribe</c> the subscriptions; <c>.Reconnect</c> the connection loop (the only code that
/// changes the state); <c>.Connect</c> one connection from open to close; <c>.Read</c> the receive loop and
/// the protocol's frames; <c>.Write</c> the send loop; <c>.Dispatch</c> the handlers' loop.
/// </para>
/// </remarks>
public sealed partial class AgentPulseClient : IAgentPulseClient, IAsyncDisposable
{
    private readonly Uri url;
    private readonly IReconnectPolicy policy;
    private readonly Func<CancellationToken, ValueTask<string?>>? accessTokenProvider;
    private readonly int? conflateProgress;
    private readonly TimeSpan? heartbeatTimeout;
    private readonly TimeSpan connectTimeout;
    private readonly TimeSpan closeTimeout;
    private readonly int streamCapacity;
    private readonly TimeProvider time;
    private readonly Func<double> random;
    private readonly Func<Uri, CancellationToken, ValueTask<WebSocket>> socketFactory;
    private readonly ILogger logger;
    private readonly SubscriptionSet subscriptions;
    private readonly ResumePosition position = new();

    private readonly Lock gate = new();
    private ClientRun? current;
    private bool disposed;
    private volatile ConnectionStatus status = new(ConnectionState.Disconnected);

    // The open connection (for a stop's close frame and ReconnectNowAsync's liveness check); null between connections.
    private volatile Connection? live;

    /// <summary>Makes a client; call <see cref="StartAsync"/> to connect.</summary>
    /// <exception cref="ArgumentException">The options are not valid (the message says which and why).</exception>
    public AgentPulseClient(AgentPulseClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        url = options.Url!;
        policy = options.ReconnectPolicy;
        accessTokenProvider = options.AccessTokenProvider;
        conflateProgress = options.ConflateProgressPerSecond;
        heartbeatTimeout = options.HeartbeatTimeout;
        connectTimeout = options.ConnectTimeout;
        closeTimeout = options.CloseTimeout;
        streamCapacity = options.StreamCapacity;
        eventQueueCapacity = options.EventQueueCapacity;
        time = options.TimeProvider;
        random = options.Random;
        socketFactory = options.SocketFactory ?? ConnectUri.ConnectDefaultAsync;
        logger = options.LoggerFactory.CreateLogger<AgentPulseClient>();
        subscriptions = new SubscriptionSet(options.Types, () => sendWanted.Writer.TryWrite(true));
        dispatching = DispatchLoopAsync();
    }

    /// <summary>Makes a client for <paramref name="url"/> with default options.</summary>
    public AgentPulseClient(Uri url)
        : this(new AgentPulseClientOptions { Url = url })
    {
    }

    /// <summary>The state of the connection (changed only by the connection loop).</summary>
    public ConnectionState State => status.State;

    /// <summary>The state with its attempt, next delay, typed reason and last close code and reason.</summary>
    public ConnectionStatus Status => status;

    /// <inheritdoc/>
    public int? MaxAttempts => policy.MaxAttempts;

    /// <summary>The seq of the last event received (or the snapshot's seq after a resync): where the next connect resumes. 0 before any.</summary>
    public long LastSeq => position.LastSeq;

    /// <summary>The server log's epoch from the last welcome; <c>null</c> before the first.</summary>
    public string? Epoch => position.Epoch;

    /// <summary>The live subscriptions (for tests).</summary>
    internal int SubscriptionCount => subscriptions.All.Length;

    /// <summary>
    /// Raised on every change of <see cref="Status"/> (state, attempt, delay), on the dispatch loop, in
    /// order with events: never on the receive loop, and never two at once (see the class remarks).
    /// </summary>
    public event Action<ConnectionStatus>? StateChanged;

    /// <summary>
    /// Raised when a connection was not recovered, the first one included (<see cref="ResyncReason.Initial"/>):
    /// carries the server's snapshot of tasks, so that views reload their state from it. Runs on the dispatch
    /// loop, before any event that follows the snapshot.
    /// </summary>
    public event Action<ResyncEventArgs>? Resynced;

    /// <summary>
    /// Connects, and keeps connecting by <see cref="AgentPulseClientOptions.ReconnectPolicy"/> until a
    /// connection is up or the policy gives up. Completes when the first connection is up.
    /// </summary>
    /// <param name="cancellationToken">Stops the client when cancelled before a connection is up.</param>
    /// <exception cref="AgentPulseException">The policy gave up, or the server ended the connection for good (4001 unauthorized, 1000, 1008, 1009). The client stays <see cref="ConnectionState.Disconnected"/>; <see cref="ReconnectNowAsync"/> tries again.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, or the client was stopped or disposed, before a connection was up.</exception>
    /// <exception cref="InvalidOperationException">The client is already started.</exception>
    /// <exception cref="ObjectDisposedException">The client is disposed.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ClientRun run;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (current is not null)
            {
                throw new InvalidOperationException("The client is already started; call StopAsync first.");
            }
            run = Begin();
        }
        try
        {
            await run.FirstConnection.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Closes the connection with 1000 and stops reconnecting; the state becomes
    /// <see cref="ConnectionState.Disconnected"/> with the reason <see cref="DisconnectReason.Stopped"/>. The
    /// position is kept: a later <see cref="StartAsync"/> resumes after the last event seen. Does nothing when not started.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the close (the client still stops).</param>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        StopAsync(WebSocketCloseStatus.NormalClosure, "client closing", cancellationToken);

    /// <summary>
    /// Closes the connection with <paramref name="closeStatus"/> and stops reconnecting, as
    /// <see cref="StopAsync(CancellationToken)"/> does. The close frame is handed to the socket before this
    /// method returns, not later on the connection loop: a browser page's <c>pagehide</c> handler, after which
    /// the page runs no more script, calls it without awaiting (with 1000, which the browser would otherwise
    /// send as 1001).
    /// </summary>
    /// <param name="closeStatus">The close code. A browser's WebSocket sends only 1000 and 3000–4999; another code fails there and the socket is dropped instead.</param>
    /// <param name="statusDescription">The close text (at most 123 bytes of UTF-8); <c>null</c> for none.</param>
    /// <param name="cancellationToken">Stops waiting for the close (the client still stops).</param>
    public async Task StopAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken = default)
    {
        ClientRun? run;
        lock (gate)
        {
            run = current;
        }
        if (run is null)
        {
            return;
        }
        run.Stop(closeStatus, statusDescription);
        if (live is { } connection)
        {
            var (code, text) = run.Close;
            _ = connection.CloseOutputAsync(code, text);
        }
        await run.Finished.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Tries again now, from the first attempt: skips the wait for the next attempt, or leaves
    /// <see cref="ConnectionState.Disconnected"/> after the policy gave up or the server ended the connection.
    /// When the client is not started (or was stopped) it starts it, without waiting for the connection. For a
    /// Retry button, and for the browser's online, visibility and back-forward-cache signals. While connected it
    /// checks the connection instead: it sends a ping, and drops the connection (and reconnects) unless the
    /// server answers within 5 seconds. Returns once the request is handed over; watch <see cref="StateChanged"/>
    /// for the outcome.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The client is disposed.</exception>
    public async Task ReconnectNowAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ClientRun run;
        while (true)
        {
            lock (gate)
            {
                ObjectDisposedException.ThrowIf(disposed, this);
                if (current is null)
                {
                    Begin();
                    return;
                }
                run = current;
            }
            if (!run.Stopping.IsCancellationRequested)
            {
                break;
            }
            // Stopping: start again once it has stopped.
            await run.Finished.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        if (status.State != ConnectionState.Connected)
        {
            run.ReconnectNow.Writer.TryWrite(true);
        }
        else if (live is { } connection)
        {
            // Connected, as far as the client knows: after a sleep or a network change the socket may be
            // dead without a word, so ask the server for a sign of life instead of waiting for the heartbeat.
            connection.Probe(ProbeTimeout);
            RequestPing();
        }
    }

    /// <summary>
    /// Closes the connection with 1000, ends every stream and lets queued callbacks finish; the state
    /// becomes <see cref="ConnectionState.Closed"/>. Safe to call more than once, and from a handler.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        ClientRun? run;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }
            disposed = true;
            run = current;
        }
        if (run is not null)
        {
            run.Stop(WebSocketCloseStatus.NormalClosure, "client closing");
            await run.Finished.Task.ConfigureAwait(false);
        }
        else
        {
            SetStatus(status with { State = ConnectionState.Closed, Attempt = 0, NextDelay = null, Reason = DisconnectReason.Disposed, ConnectionId = null, Exception = null, GaveUp = false });
        }
        dispatch.Writer.TryComplete();
        if (!InDispatch.Value)
        {
            await dispatching.ConfigureAwait(false);
        }
    }

    /// <summary>Under <see cref="gate"/>: a new run of the connection loop.</summary>
    private ClientRun Begin()
    {
        var run = current = new ClientRun();
        _ = RunAsync(run);
        return run;
    }

    private void SetStatus(ConnectionStatus next)
    {
        status = next;
        LogStatus(logger, next.State, next.Attempt, next.NextDelay, next.Reason, next.GaveUp, next.CloseCode, next.Exception?.Message);
        dispatch.Writer.TryWrite(DispatchItem.For(next));
    }
}
