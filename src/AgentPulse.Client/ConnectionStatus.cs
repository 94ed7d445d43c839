namespace AgentPulse.Client;

/// <summary>The state of an <see cref="AgentPulseClient"/>'s connection, with what a person needs to see about it.</summary>
/// <param name="State">The state.</param>
/// <param name="Attempt">
/// The reconnect attempt that is waited for or under way, counted from 1 as the
/// <see cref="IReconnectPolicy"/> sees it; 0 when connected, and for an attempt the policy did not
/// schedule (the first connect, one asked for by <see cref="AgentPulseClient.ReconnectNowAsync"/>).
/// When <see cref="State"/> is <see cref="ConnectionState.Disconnected"/> after giving up: the attempts made.
/// </param>
/// <param name="NextDelay">How long the client waits before <see cref="Attempt"/>; <c>null</c> when it is not waiting.</param>
/// <param name="Reason">
/// Why the connection is not up, fit to show a person: <c>"heartbeat timeout"</c>, <c>"unauthorized"</c>,
/// <c>"gave up after 5 attempts: connect failed: …"</c>, <c>"stopped"</c>; <c>null</c> when connected.
/// </param>
/// <param name="CloseCode">The code of the last connection end (1006 when it was lost without a close frame, as after a heartbeat timeout); <c>null</c> before any.</param>
/// <param name="CloseReason">The server's text with <see cref="CloseCode"/>; <c>null</c> when none.</param>
/// <param name="ConnectionId">The server's id for the connection (from its welcome) while connected; <c>null</c> otherwise.</param>
public sealed record ConnectionStatus(
    ConnectionState State,
    int Attempt = 0,
    TimeSpan? NextDelay = null,
    string? Reason = null,
    int? CloseCode = null,
    string? CloseReason = null,
    string? ConnectionId = null);
