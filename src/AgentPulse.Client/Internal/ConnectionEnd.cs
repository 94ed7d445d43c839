using AgentPulse.Protocol;

namespace AgentPulse.Client.Internal;

/// <summary>How a connection (or an attempt at one) ended.</summary>
/// <param name="Welcomed">Whether it got as far as the welcome (a successful connect).</param>
/// <param name="Reason">Why.</param>
/// <param name="Terminal">Whether the client must not reconnect by itself.</param>
/// <param name="CloseCode">The close code; 1006 when lost without one; <c>null</c> when no socket was opened.</param>
/// <param name="CloseReason">The server's close text.</param>
/// <param name="Exception">The exception behind it, if any.</param>
internal readonly record struct ConnectionEnd(
    bool Welcomed,
    DisconnectReason Reason,
    bool Terminal,
    int? CloseCode = null,
    string? CloseReason = null,
    Exception? Exception = null)
{
    public static ConnectionEnd Stopped => new(false, DisconnectReason.Stopped, true, CloseCodes.Normal);

    /// <summary>An attempt that opened no socket.</summary>
    public static ConnectionEnd Failed(DisconnectReason reason, Exception exception) => new(false, reason, false, Exception: exception);

    /// <summary>A connection dropped without a close frame.</summary>
    public static ConnectionEnd Lost(bool welcomed, DisconnectReason reason, Exception exception) =>
        new(welcomed, reason, false, CloseCodes.Abnormal, Exception: exception);

    /// <summary>
    /// The server closed with <paramref name="code"/>: 1000, 4001, 1008 and 1009 end the client (1008 and 1009
    /// mean the server rejected what this client sent, and a retry would send it again); the rest reconnect.
    /// </summary>
    public static ConnectionEnd Closed(bool welcomed, int code, string? text)
    {
        var (reason, terminal) = code switch
        {
            CloseCodes.Normal => (DisconnectReason.ClosedByServer, true),
            CloseCodes.Unauthorized => (DisconnectReason.Unauthorized, true),
            CloseCodes.PolicyViolation => (DisconnectReason.PolicyViolation, true),
            CloseCodes.MessageTooBig => (DisconnectReason.MessageTooBig, true),
            CloseCodes.GoingAway => (DisconnectReason.ServerGoingAway, false),
            CloseCodes.SlowConsumer => (DisconnectReason.SlowConsumer, false),
            _ => (DisconnectReason.OtherCloseCode, false),
        };
        return new ConnectionEnd(welcomed, reason, terminal, code, text);
    }
}
