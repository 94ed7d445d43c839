namespace AgentPulse.Client;

/// <summary>The state of an <see cref="AgentPulseClient"/>'s connection, with what a person needs to see about it.</summary>
/// <param name="State">The state.</param>
/// <param name="Attempt">
/// The reconnect attempt that is waited for or under way, counted from 1 as the
/// <see cref="IReconnectPolicy"/> sees it; 0 when connected, and for an attempt the policy did not
/// schedule (the first connect, one asked for by <see cref="AgentPulseClient.ReconnectNowAsync"/>).
/// When the policy gave up (<see cref="GaveUp"/>): the attempts made.
/// </param>
/// <param name="NextDelay">How long the client waits before <see cref="Attempt"/>; <c>null</c> when it is not waiting.</param>
/// <param name="Reason">
/// Why the last connection or attempt ended: <see cref="DisconnectReason.HeartbeatTimeout"/>,
/// <see cref="DisconnectReason.Unauthorized"/>, <see cref="DisconnectReason.Stopped"/>…; <c>null</c> when
/// connected, and before the first connection ended. While (re)connecting it is the reason of the attempt before.
/// </param>
/// <param name="CloseCode">The code of the last connection end (1006 when it was lost without a close frame, as after a heartbeat timeout); <c>null</c> before any.</param>
/// <param name="CloseReason">The server's text with <see cref="CloseCode"/>; <c>null</c> when none.</param>
/// <param name="ConnectionId">The server's id for the connection (from its welcome) while connected; <c>null</c> otherwise.</param>
public sealed record ConnectionStatus(
    ConnectionState State,
    int Attempt = 0,
    TimeSpan? NextDelay = null,
    DisconnectReason? Reason = null,
    int? CloseCode = null,
    string? CloseReason = null,
    string? ConnectionId = null)
{
    /// <summary>
    /// The exception behind <see cref="Reason"/>, as SignalR's <c>HubConnection.Closed</c> gives it: the connect
    /// failure, the socket error, a <see cref="TimeoutException"/> for a timeout; <c>null</c> when the connection
    /// ended by a close frame, a stop, or has not ended. For logs and developers: its message is not for people.
    /// </summary>
    public Exception? Exception { get; init; }

    /// <summary>
    /// Whether the reconnect policy gave up (state <see cref="ConnectionState.Disconnected"/>; <see cref="Attempt"/>
    /// attempts were made, <see cref="Reason"/> says how the last one ended). <c>false</c> when the connection ended
    /// for good on its own (4001, 1000, 1008, 1009, a stop).
    /// </summary>
    public bool GaveUp { get; init; }
}
