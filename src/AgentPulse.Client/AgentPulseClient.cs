using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AgentPulse.Client.Internal;
using AgentPulse.Protocol;
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
/// </remarks>
public sealed partial class AgentPulseClient : IAsyncDisposable
{
    /// <summary>What the client asks for when nothing is subscribed: no event has a <c>session.</c> type.</summary>
    internal const string NothingPattern = "session.none";

    private readonly Uri url;
    private readonly string[] baseTypes;
    private readonly IReconnectPolicy policy;
    private readonly Func<CancellationToken, ValueTask<string?>>? accessTokenProvider;
    private readonly TimeSpan? heartbeatTimeout;
    private readonly TimeSpan connectTimeout;
    private readonly TimeSpan closeTimeout;
    private readonly int streamCapacity;
    private readonly TimeProvider time;
    private readonly Func<double> random;
    private readonly Func<Uri, CancellationToken, ValueTask<WebSocket>> socketFactory;
    private readonly ILogger logger;

    private readonly Lock gate = new();
    private Run? current;
    private bool disposed;
    private volatile ConnectionStatus status = new(ConnectionState.Disconnected);

    // Subscriptions: a copy-on-write array read by the dispatch loop without a lock.
    private readonly Lock subscriptionGate = new();
    private Subscription[] subscriptions = [];
    private volatile string[] serverTypes;
    // Wakes the send loop: the union changed, or a ping is wanted (pingWanted).
    private readonly Channel<bool> sendWanted = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private int pingWanted;

    /// <summary>How long a liveness check by <see cref="ReconnectNowAsync"/> waits for the server.</summary>
    internal static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    // The open connection, for ReconnectNowAsync's liveness check; null between connections.
    private volatile Connection? live;

    // The position to resume from; written only by the receive loop of the one open connection.
    private long lastSeq;
    private string? epoch;

    /// <summary>Makes a client; call <see cref="StartAsync"/> to connect.</summary>
    /// <exception cref="ArgumentException">The options are not valid (the message says which and why).</exception>
    public AgentPulseClient(AgentPulseClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        url = options.Url!;
        baseTypes = [.. options.Types];
        policy = options.ReconnectPolicy;
        accessTokenProvider = options.AccessTokenProvider;
        heartbeatTimeout = options.HeartbeatTimeout;
        connectTimeout = options.ConnectTimeout;
        closeTimeout = options.CloseTimeout;
        streamCapacity = options.StreamCapacity;
        eventQueueCapacity = options.EventQueueCapacity;
        time = options.TimeProvider;
        random = options.Random;
        socketFactory = options.SocketFactory ?? ConnectUri.ConnectDefaultAsync;
        logger = options.LoggerFactory.CreateLogger<AgentPulseClient>();
        serverTypes = UnionOf([], baseTypes);
        dispatching = DispatchLoopAsync();
    }

    /// <summary>Makes a client for <paramref name="url"/> with default options.</summary>
    public AgentPulseClient(Uri url)
        : this(new AgentPulseClientOptions { Url = url })
    {
    }

    /// <summary>The state of the connection (changed only by the connection loop).</summary>
    public ConnectionState State => status.State;

    /// <summary>The state with its attempt, next delay, reason and last close code and reason.</summary>
    public ConnectionStatus Status => status;

    /// <summary>The seq of the last event received (or the snapshot's seq after a resync): where the next connect resumes. 0 before any.</summary>
    public long LastSeq => Volatile.Read(ref lastSeq);

    /// <summary>The server log's epoch from the last welcome; <c>null</c> before the first.</summary>
    public string? Epoch => Volatile.Read(ref epoch);

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
        Run run;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (current is not null)
            {
                throw new InvalidOperationException("The client is already started; call StopAsync first.");
            }
            run = current = new Run();
        }
        _ = RunAsync(run);
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
    /// <see cref="ConnectionState.Disconnected"/> with the reason "stopped". The position is kept: a later
    /// <see cref="StartAsync"/> resumes after the last event seen. Does nothing when not started.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the close (the client still stops).</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Run? run;
        lock (gate)
        {
            run = current;
        }
        if (run is null)
        {
            return;
        }
        run.Stop();
        await run.Finished.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Tries again now, from the first attempt: skips the wait for the next attempt, or leaves
    /// <see cref="ConnectionState.Disconnected"/> after the policy gave up. For a Retry button, and for the
    /// browser's online and visibility signals. While connected it checks the connection instead: it sends
    /// a ping, and drops the connection (and reconnects) unless the server answers within 5 seconds.
    /// Returns once the request is handed over; watch <see cref="StateChanged"/> for the outcome.
    /// </summary>
    /// <exception cref="InvalidOperationException">The client was not started (or was stopped).</exception>
    /// <exception cref="ObjectDisposedException">The client is disposed.</exception>
    public Task ReconnectNowAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Run? run;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            run = current;
        }
        if (run is null)
        {
            throw new InvalidOperationException("The client is not started: call StartAsync first.");
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
            Interlocked.Exchange(ref pingWanted, 1);
            sendWanted.Writer.TryWrite(true);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Closes the connection with 1000, ends every stream and lets queued callbacks finish; the state
    /// becomes <see cref="ConnectionState.Closed"/>. Safe to call more than once, and from a handler.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Run? run;
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
            run.Stop();
            await run.Finished.Task.ConfigureAwait(false);
        }
        else
        {
            SetStatus(status with { State = ConnectionState.Closed, Attempt = 0, NextDelay = null, Reason = "disposed", ConnectionId = null });
        }
        dispatch.Writer.TryComplete();
        if (!InDispatch.Value)
        {
            await dispatching.ConfigureAwait(false);
        }
    }

    /// <summary>Calls <paramref name="handler"/> for every event whose type matches <paramref name="pattern"/>.</summary>
    /// <param name="pattern">An exact type (<c>search.completed</c>), a prefix (<c>task.*</c>) or <c>*</c>.</param>
    /// <param name="handler">Runs on the dispatch loop (see the class remarks).</param>
    /// <returns>Dispose it to unsubscribe: no call begins after that.</returns>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> is not a type pattern.</exception>
    public IDisposable Subscribe(string pattern, Action<CloudEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new CallbackSubscription(this, ParsePattern(pattern), e =>
        {
            handler(e);
            return default;
        }));
    }

    /// <summary>Calls the asynchronous <paramref name="handler"/> for every event whose type matches <paramref name="pattern"/>; the next event waits for it.</summary>
    /// <inheritdoc cref="Subscribe(string, Action{CloudEvent})"/>
    public IDisposable Subscribe(string pattern, Func<CloudEvent, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new CallbackSubscription(this, ParsePattern(pattern), handler));
    }

    /// <summary>
    /// Calls <paramref name="handler"/> with the payload and the envelope of every event of
    /// <typeparamref name="T"/>'s catalog type (<c>On&lt;TaskProgress&gt;</c>: <c>task.progress</c>).
    /// An event without data is skipped; one whose data cannot be read is logged and skipped.
    /// </summary>
    /// <typeparam name="T">A payload of the catalog, such as <see cref="TaskProgress"/>.</typeparam>
    /// <param name="handler">Runs on the dispatch loop (see the class remarks).</param>
    /// <returns>Dispose it to unsubscribe: no call begins after that.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not a payload of the catalog.</exception>
    public IDisposable On<T>(Action<T, CloudEvent> handler) where T : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new TypedSubscription<T>(this, TypePattern.Parse(EventTypes.For<T>()), (data, e) =>
        {
            handler(data, e);
            return default;
        }));
    }

    /// <summary>The asynchronous form of <see cref="On{T}(Action{T, CloudEvent})"/>; the next event waits for it.</summary>
    /// <inheritdoc cref="On{T}(Action{T, CloudEvent})"/>
    public IDisposable On<T>(Func<T, CloudEvent, ValueTask> handler) where T : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new TypedSubscription<T>(this, TypePattern.Parse(EventTypes.For<T>()), handler));
    }

    /// <summary>
    /// The events whose type matches <paramref name="pattern"/>, from when the enumeration starts until it
    /// is cancelled or left, or the client is disposed (then it ends). Backed by a bounded buffer of
    /// <see cref="AgentPulseClientOptions.StreamCapacity"/>: read promptly (see there).
    /// </summary>
    /// <param name="pattern">An exact type, a prefix (<c>task.*</c>) or <c>*</c>.</param>
    /// <param name="cancellationToken">Ends the enumeration (with <see cref="OperationCanceledException"/>).</param>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> is not a type pattern.</exception>
    public IAsyncEnumerable<CloudEvent> StreamAsync(string pattern, CancellationToken cancellationToken = default)
    {
        var parsed = ParsePattern(pattern);
        return StreamCoreAsync(parsed, cancellationToken);
    }

    private async IAsyncEnumerable<CloudEvent> StreamCoreAsync(TypePattern pattern, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var subscription = new StreamSubscription(this, pattern, streamCapacity);
        using var registration = Add(subscription);
        var reader = subscription.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var cloudEvent))
            {
                yield return cloudEvent;
            }
        }
    }

    private static TypePattern ParsePattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return TypePattern.TryParse(pattern, out var parsed)
            ? parsed
            : throw new ArgumentException($"'{pattern}' is not a type pattern: use an exact type such as 'task.started', a prefix such as 'task.*', or '*'.", nameof(pattern));
    }

    private Subscription Add(Subscription subscription)
    {
        lock (subscriptionGate)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref dispatchCompleted), this);
            subscriptions = [.. subscriptions, subscription];
            UpdateServerTypes();
        }
        return subscription;
    }

    internal void Remove(Subscription subscription)
    {
        lock (subscriptionGate)
        {
            var index = Array.IndexOf(subscriptions, subscription);
            if (index < 0)
            {
                return;
            }
            subscriptions = [.. subscriptions.AsSpan(0, index), .. subscriptions.AsSpan(index + 1)];
            UpdateServerTypes();
        }
    }

    /// <summary>Under <see cref="subscriptionGate"/>: recomputes the union and wakes the send loop when it changed.</summary>
    private void UpdateServerTypes()
    {
        var union = UnionOf(subscriptions, baseTypes);
        if (!union.AsSpan().SequenceEqual(serverTypes))
        {
            serverTypes = union;
            sendWanted.Writer.TryWrite(true);
        }
    }

    /// <summary>The patterns the server should send: sorted, distinct, and just <c>*</c> when that is among them.</summary>
    internal static string[] UnionOf(Subscription[] subscriptions, string[] baseTypes)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in baseTypes)
        {
            set.Add(type);
        }
        foreach (var subscription in subscriptions)
        {
            set.Add(subscription.Pattern.Text);
        }
        return set.Contains("*") ? ["*"] : [.. set];
    }

    /// <summary>The patterns for <c>types=</c> and for the subscription diff: never empty (see the class remarks).</summary>
    private string[] WantedServerTypes()
    {
        var types = serverTypes;
        return types.Length == 0 ? [NothingPattern] : types;
    }

    private void SetStatus(ConnectionStatus next)
    {
        status = next;
        LogStatus(logger, next.State, next.Attempt, next.NextDelay, next.Reason, next.CloseCode);
        dispatch.Writer.TryWrite(DispatchItem.For(next));
    }

    /// <summary>One start-to-stop span of the connection loop.</summary>
    private sealed class Run
    {
        private readonly CancellationTokenSource stop = new();

        public CancellationToken Stopping => stop.Token;

        public TaskCompletionSource FirstConnection { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Channel<bool> ReconnectNow { get; } = Channel.CreateBounded<bool>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

        public void Stop()
        {
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void DrainReconnectNow()
        {
            while (ReconnectNow.Reader.TryRead(out _))
            {
            }
        }
    }
}
