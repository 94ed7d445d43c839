using System.Net.WebSockets;
using AgentPulse.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentPulse.Client;

/// <summary>Options of an <see cref="AgentPulseClient"/>. Validated when the client is made.</summary>
public sealed class AgentPulseClientOptions
{
    /// <summary>
    /// <paramref name="url"/> with the WebSocket scheme: <c>http</c> becomes <c>ws</c>, <c>https</c> becomes
    /// <c>wss</c> (so a page's own address can be used), anything else is kept; the default port is left out.
    /// </summary>
    public static Uri ToWebSocketUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var builder = new UriBuilder(url)
        {
            Scheme = url.Scheme switch
            {
                "http" => "ws",
                "https" => "wss",
                _ => url.Scheme,
            },
        };
        if (builder.Uri.IsDefaultPort)
        {
            builder.Port = -1;
        }
        return builder.Uri;
    }

    /// <summary>
    /// The server's WebSocket endpoint, such as <c>ws://localhost:8000/ws/agents</c>; <c>http</c> and
    /// <c>https</c> are taken as <c>ws</c> and <c>wss</c>. Its own query is kept; the client adds
    /// <c>types</c>, <c>after</c>, <c>epoch</c> and <c>access_token</c> (required; no default).
    /// </summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// Patterns (<c>task.*</c>, <c>search.completed</c>, <c>*</c>) the server is asked for from the first
    /// connect on, in addition to those of the subscriptions. Lets an app declare up front what its views
    /// will subscribe to, so that the server-side filter does not change as they come and go. Events are
    /// still only delivered to matching subscribers (default: empty: the union of the subscriptions alone).
    /// </summary>
    public IList<string> Types { get; } = new List<string>();

    /// <summary>
    /// Asks the server to conflate <c>task.progress</c>: at most this many a second per task, the latest of each
    /// interval (<c>conflate=task.progress:N</c> on every connect). The first and last progress of each stage and
    /// every other event still come, in seq order; the progress events left out never reach subscribers, and a
    /// resume is as exact as without (the client resumes from the last seq it received, and never takes a gap in
    /// seqs for loss). For a view that renders progress a few times a second, such as a page: it saves the decoding
    /// of events nobody sees. From 1 to 1000 (default: <c>null</c>: every event).
    /// </summary>
    public int? ConflateProgressPerSecond { get; set; }

    /// <summary>
    /// When to reconnect and when to give up; also retries the first connect (default: an
    /// <see cref="ExponentialBackoffReconnectPolicy"/>: 1 s, factor 2, cap 30 s, equal jitter, 5 attempts).
    /// </summary>
    public IReconnectPolicy ReconnectPolicy { get; set; } = new ExponentialBackoffReconnectPolicy();

    /// <summary>
    /// Gives the access token, as SignalR's <c>AccessTokenProvider</c> does: called before every connect (sent as
    /// the <c>access_token</c> query parameter; browsers cannot set headers on a WebSocket handshake), and again
    /// before the connection's token expires (when the server's welcome says it does: a minute before, or at four
    /// fifths of the time left when that is shorter), to send the new token in band (<c>{"op":"authenticate"}</c>)
    /// so the connection stays. A refresh that gives no token, or one the server refuses, leaves the server to
    /// close with 4001 at expiry, which is final. Called on a thread-pool thread (the page's thread in the browser).
    /// <c>null</c>, or a provider that returns <c>null</c>, sends none (default: <c>null</c>).
    /// </summary>
    public Func<CancellationToken, ValueTask<string?>>? AccessTokenProvider { get; set; }

    /// <summary>
    /// How long the client waits without any frame from the server (the server sends a heartbeat when
    /// idle) before it takes the connection for dead, drops it and reconnects
    /// (default: <c>null</c>: twice the <c>heartbeatSeconds</c> of the server's welcome, 30 s with the server's default).
    /// </summary>
    public TimeSpan? HeartbeatTimeout { get; set; }

    /// <summary>How long opening the socket may take, and then how long the server's welcome may take, before the attempt counts as failed (default: 15 seconds).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the close handshake of <see cref="AgentPulseClient.StopAsync(CancellationToken)"/> may take before the socket is dropped (default: 5 seconds).</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many events an <see cref="AgentPulseClient.StreamAsync"/> subscriber may have unread. When it is
    /// full, delivery to every subscriber waits for it (nothing is dropped), so read streams promptly or
    /// dispose them (default: 1024).
    /// </summary>
    public int StreamCapacity { get; set; } = 1024;

    /// <summary>
    /// How many received events may wait for their handlers. Past that the client stops reading the socket,
    /// the server's queue for it fills and the server drops it with 4008; the client then resumes with
    /// <c>after</c> and loses nothing (default: 8192).
    /// </summary>
    public int EventQueueCapacity { get; set; } = 8192;

    /// <summary>The clock for every delay, timeout and timestamp (default: <see cref="TimeProvider.System"/>).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gives values in [0, 1) for reconnect jitter (default: <c>Random.Shared.NextDouble</c>).</summary>
    public Func<double> Random { get; set; } = System.Random.Shared.NextDouble;

    /// <summary>Where the client logs (category <c>AgentPulse.Client.AgentPulseClient</c>) (default: <see cref="NullLoggerFactory.Instance"/>: nowhere).</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>
    /// Opens a connected WebSocket to the given URI (with the query the client made). A seam for tests
    /// and for custom sockets (default: <c>null</c>: a <see cref="ClientWebSocket"/>, with a keep-alive
    /// ping every 15 s outside the browser). A factory that throws an <see cref="HttpRequestException"/>
    /// with <see cref="HttpRequestException.StatusCode"/> 401 or 403 reports <see cref="DisconnectReason.Unauthorized"/>
    /// (the default does, for a refused handshake); anything else it throws is <see cref="DisconnectReason.ConnectFailed"/>.
    /// </summary>
    public Func<Uri, CancellationToken, ValueTask<WebSocket>>? SocketFactory { get; set; }

    internal void Validate()
    {
        if (Url is null)
        {
            throw new ArgumentException("AgentPulseClientOptions.Url is required: the server's WebSocket endpoint, such as ws://localhost:8000/ws/agents.", "options");
        }
        if (!Url.IsAbsoluteUri || Url.Scheme is not ("ws" or "wss" or "http" or "https"))
        {
            throw new ArgumentException($"AgentPulseClientOptions.Url must be an absolute ws://, wss://, http:// or https:// URI, not '{Url}'.", "options");
        }
        foreach (var type in Types)
        {
            if (!TypePattern.TryParse(type, out _))
            {
                throw new ArgumentException($"AgentPulseClientOptions.Types: '{type}' is not a type pattern: use an exact type such as 'task.started', a prefix such as 'task.*', or '*'.", "options");
            }
        }
        if (ReconnectPolicy is null || TimeProvider is null || Random is null || LoggerFactory is null)
        {
            throw new ArgumentException("AgentPulseClientOptions.ReconnectPolicy, TimeProvider, Random and LoggerFactory may not be null.", "options");
        }
        if (HeartbeatTimeout is { } heartbeat && heartbeat <= TimeSpan.Zero)
        {
            throw new ArgumentException($"AgentPulseClientOptions.HeartbeatTimeout must be positive (or null), not {heartbeat}.", "options");
        }
        if (ConnectTimeout <= TimeSpan.Zero || CloseTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("AgentPulseClientOptions.ConnectTimeout and CloseTimeout must be positive.", "options");
        }
        if (ConflateProgressPerSecond is { } conflate && conflate is < Conflation.MinPerSecond or > Conflation.MaxPerSecond)
        {
            throw new ArgumentException($"AgentPulseClientOptions.ConflateProgressPerSecond must be from {Conflation.MinPerSecond} to {Conflation.MaxPerSecond} (or null), not {conflate}.", "options");
        }
        if (StreamCapacity < 1 || EventQueueCapacity < 1)
        {
            throw new ArgumentException("AgentPulseClientOptions.StreamCapacity and EventQueueCapacity must be 1 or more.", "options");
        }
    }
}
