namespace AgentPulse.AspNetCore;

/// <summary>The open connections, to see them and to drop them (an admin's kick, a test's simulated drop).</summary>
public interface IAgentPulseConnections
{
    /// <summary>How many connections are joined to fan-out now.</summary>
    int Count { get; }

    /// <summary>The ids of the connections joined now (as sent in <c>session.welcome</c>).</summary>
    IReadOnlyList<string> ConnectionIds { get; }

    /// <summary>Drops a connection at once, without a close handshake, as a network failure would.</summary>
    /// <returns>Whether a connection with that id was open.</returns>
    bool Abort(string connectionId);

    /// <summary>Closes a connection with a close frame of the given code (the client sees that code).</summary>
    /// <returns>Whether a connection with that id was open.</returns>
    bool Close(string connectionId, int closeCode, string reason);
}
