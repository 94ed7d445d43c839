using AgentPulse.Protocol;

namespace AgentPulse.Client;

/// <summary>Why the client could not resume and got a snapshot instead.</summary>
public enum ResyncReason
{
    /// <summary>The first connection of this client: there was nothing to resume.</summary>
    Initial,

    /// <summary>The server's log was reset (a new epoch, such as after a restart of a server with an in-memory log): the events since the last seq are gone.</summary>
    LogReset,

    /// <summary>The events missed are older than the server's log keeps.</summary>
    Gap,
}

/// <summary>
/// Raised by <see cref="AgentPulseClient.Resynced"/> when a connection was not recovered: the client
/// may have missed events, and <see cref="Tasks"/> is the truth as of <see cref="Seq"/>. Views that
/// keep state built from events replace it with this; events after <see cref="Seq"/> follow.
/// </summary>
/// <param name="Reason">Why there was no resume.</param>
/// <param name="Epoch">The server log's epoch now.</param>
/// <param name="Seq">The seq the snapshot reflects; the client's position from now on.</param>
/// <param name="Tasks">The active and recently finished tasks the connection may see.</param>
public sealed record ResyncEventArgs(ResyncReason Reason, string Epoch, long Seq, IReadOnlyList<TaskRecord> Tasks);
