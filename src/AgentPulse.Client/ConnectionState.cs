namespace AgentPulse.Client;

/// <summary>Where the connection of an <see cref="AgentPulseClient"/> is.</summary>
/// <remarks>
/// <code>
///              StartAsync
/// Disconnected ──────────► Connecting ──welcome──► Connected ──lost──► Reconnecting ──welcome──► Connected
///      ▲                       │                      │                     │
///      │   gave up, 1000, 4001, 1008, 1009, StopAsync │                     │
///      └───────────────────────┴──────────────────────┴─────────────────────┘
///   ReconnectNowAsync leaves Disconnected for Connecting (or Reconnecting); DisposeAsync ends in Closed.
/// </code>
/// </remarks>
public enum ConnectionState
{
    /// <summary>The first connection is being made, or retried (no connection has been up since <see cref="AgentPulseClient.StartAsync"/>).</summary>
    Connecting,

    /// <summary>The server's welcome has arrived: events flow.</summary>
    Connected,

    /// <summary>The connection was lost; the client waits for the next attempt or makes it.</summary>
    Reconnecting,

    /// <summary>Not connected and not trying: not started yet, stopped, gave up, or ended by the server (see <see cref="ConnectionStatus.Reason"/>). <see cref="AgentPulseClient.ReconnectNowAsync"/> tries again.</summary>
    Disconnected,

    /// <summary>Disposed: for good.</summary>
    Closed,
}
