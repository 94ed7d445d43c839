using System.ComponentModel.DataAnnotations;

namespace AgentPulse.AspNetCore;

/// <summary>Options of the AgentPulse endpoint, the event log and fan-out. Validated at start.</summary>
public sealed class AgentPulseOptions
{
    /// <summary>The server sends <c>session.heartbeat</c> when nothing was sent for this long (default: 15 seconds).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How many events may wait for one connection; past that its writer catches up from the log, and
    /// only a connection further behind than the log retains is closed with 4008 (default: 1024).
    /// </summary>
    [Range(16, 1_000_000)]
    public int SendQueueCapacity { get; set; } = 1024;

    /// <summary>The largest frame a client may send, in bytes; a larger one closes the connection with 1009 (default: 16384).</summary>
    [Range(256, 16 * 1024 * 1024)]
    public int MaxInboundFrameBytes { get; set; } = 16 * 1024;

    /// <summary>How many bad frames (bad JSON, unknown op, binary) a connection may send within <see cref="InvalidFrameWindow"/> before it is closed with 1008 (default: 20).</summary>
    [Range(1, 100_000)]
    public int MaxInvalidFrames { get; set; } = 20;

    /// <summary>The window over which <see cref="MaxInvalidFrames"/> counts (default: 10 seconds).</summary>
    public TimeSpan InvalidFrameWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most subscription patterns one connection may hold, from <c>types=</c> at connect (more: 400) and
    /// subscribe ops (a subscribe past it gets <c>session.error</c> <c>too_many_patterns</c>, then close 1008) (default: 256).
    /// </summary>
    [Range(1, 100_000)]
    public int MaxSubscriptionPatterns { get; set; } = 256;

    /// <summary>
    /// The most bytes of control frames (acks, pongs, errors) that may wait for one connection's writer
    /// (one frame larger than this may wait alone); past it, as past the count of frames, the connection is
    /// a slow consumer and is closed with 4008 (default: 131072, two acks of 256 patterns of 200 ASCII characters).
    /// </summary>
    [Range(16 * 1024, 64 * 1024 * 1024)]
    public int MaxControlQueueBytes { get; set; } = 128 * 1024;

    /// <summary>
    /// The most WebSocket connections the endpoint holds at once, over every client; a further upgrade gets 503 problem
    /// details with <c>Retry-After</c> while the open connections go on (default: derived from the process's
    /// open-file limit and memory, see <see cref="ConnectionBudget"/>; 13,870 with a limit of 20,000 files).
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxConnections { get; set; } = ConnectionBudget.ForThisProcess.WebSockets;

    /// <summary>
    /// The most WebSocket connections from one client address (an IPv6 client by its /64), counted like
    /// <see cref="MaxConnections"/>. Behind a reverse proxy every client has the proxy's address unless
    /// forwarded headers are applied first (default: 1000).
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxConnectionsPerIp { get; set; } = 1000;

    /// <summary>How long a close handshake may take before the socket is aborted (default: 5 seconds).</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The most events the log keeps for resume and catch-up, a cap whatever their size; the in-memory log
    /// is bounded first by <see cref="LogRetentionBytes"/>, the SQLite log's file by this count (default: 1000000).
    /// </summary>
    [Range(1, 100_000_000)]
    public int LogRetentionCount { get; set; } = 1_000_000;

    /// <summary>
    /// The most memory the in-memory log keeps events in, in bytes (estimated per event as three times its
    /// frame plus 256): a burst that fits is caught up from the log by every connection that fell behind,
    /// and a connection further behind than what it keeps is closed with 4008 (default: 67108864, 64 MiB).
    /// </summary>
    [Range(64 * 1024, 64L * 1024 * 1024 * 1024)]
    public long LogRetentionBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How long the log keeps an event for resume (default: 10 minutes).</summary>
    public TimeSpan LogRetentionAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many events one resume reads from the log per batch (default: 512).</summary>
    [Range(1, 100_000)]
    public int ReplayBatchSize { get; set; } = 512;

    /// <summary>
    /// Origins allowed besides the request's own (same origin is always allowed, and so is a
    /// request without <c>Origin</c>, as non-browser clients send none). Compared as
    /// <c>scheme://host[:port]</c>, case-insensitively; <c>*</c> allows every origin (default: empty).
    /// </summary>
    public IList<string> AllowedOrigins { get; } = new List<string>();

    /// <summary>
    /// Whether a connection needs an authenticated user (from ASP.NET Core authentication); when on,
    /// a connection sees public events and its own user's (default: <c>false</c>: the single local user sees everything).
    /// </summary>
    public bool RequireAuthentication { get; set; }

    /// <summary>
    /// The authentication scheme that checks the token of an <c>authenticate</c> op (the in-band token refresh),
    /// given as <c>Authorization: Bearer &lt;token&gt;</c> on the WebSocket's path, so it is validated exactly as a
    /// request's token is (default: <c>null</c>: the app's default authenticate scheme).
    /// </summary>
    public string? AuthenticationScheme { get; set; }
}
