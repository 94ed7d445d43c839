namespace AgentPulse.Client;

/// <summary>
/// Why a connection (or an attempt at one) ended: <see cref="ConnectionStatus.Reason"/>, with the
/// exception behind it in <see cref="ConnectionStatus.Exception"/> and the server's close code in
/// <see cref="ConnectionStatus.CloseCode"/>. A UI words it for people; nobody parses a message.
/// </summary>
public enum DisconnectReason
{
    /// <summary><see cref="AgentPulseClient.StopAsync(System.Threading.CancellationToken)"/> was called.</summary>
    Stopped,

    /// <summary>The client was disposed.</summary>
    Disposed,

    /// <summary>The socket could not be opened (refused, unreachable, name not found, TLS): the exception says which. Reconnects by the policy.</summary>
    ConnectFailed,

    /// <summary>Opening the socket, or the server's welcome after it, took longer than <see cref="AgentPulseClientOptions.ConnectTimeout"/>. Reconnects by the policy.</summary>
    ConnectTimeout,

    /// <summary>
    /// The server closed with 4001 (final), or refused the handshake with HTTP 401 or 403 (outside the
    /// browser, which hides the status; reconnects by the policy, since the token provider may give a fresh token).
    /// </summary>
    Unauthorized,

    /// <summary>No frame from the server for the heartbeat timeout (close code 1006). Reconnects by the policy.</summary>
    HeartbeatTimeout,

    /// <summary>The server did not answer the liveness check of <see cref="AgentPulseClient.ReconnectNowAsync"/> within 5 s (close code 1006). Reconnects by the policy.</summary>
    LivenessCheckFailed,

    /// <summary>The socket failed without a close frame (close code 1006): the exception says how. Reconnects by the policy.</summary>
    ConnectionLost,

    /// <summary>The server closed with 1000. Final.</summary>
    ClosedByServer,

    /// <summary>The server closed with 1001: it is stopping or restarting. Reconnects by the policy.</summary>
    ServerGoingAway,

    /// <summary>The server closed with 4008: this client fell further behind than its log keeps. Reconnects by the policy, resuming with <c>after</c>.</summary>
    SlowConsumer,

    /// <summary>The server closed with 1008: it rejected what this client sent (a bug to look at, not a network failure). Final.</summary>
    PolicyViolation,

    /// <summary>The server closed with 1009: a frame this client sent was too large. Final.</summary>
    MessageTooBig,

    /// <summary>A frame from the server was over the client's 64 MiB limit; the client dropped the connection. Reconnects by the policy.</summary>
    ServerFrameTooBig,

    /// <summary>The server closed with another code (<see cref="ConnectionStatus.CloseCode"/>, <see cref="ConnectionStatus.CloseReason"/>), such as 1011. Reconnects by the policy.</summary>
    OtherCloseCode,
}
