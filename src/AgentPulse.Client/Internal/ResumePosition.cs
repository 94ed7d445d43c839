using AgentPulse.Protocol;

namespace AgentPulse.Client.Internal;

/// <summary>
/// Where the next connect resumes from: the seq of the last event delivered and the epoch of the last
/// welcome. Written only by the receive loop of the one open connection; read from anywhere.
/// </summary>
internal sealed class ResumePosition
{
    private long lastSeq;
    private string? epoch;

    /// <summary>The seq of the last event taken (or the snapshot's after a resync); 0 before any.</summary>
    public long LastSeq => Volatile.Read(ref lastSeq);

    /// <summary>The epoch of the last welcome; <c>null</c> before the first.</summary>
    public string? Epoch => Volatile.Read(ref epoch);

    /// <summary>The <c>after</c> of the next connect: <c>null</c> before any welcome (there is nothing to resume).</summary>
    public long? After => Epoch is null ? null : LastSeq;

    /// <summary>Takes a welcome.</summary>
    /// <returns>Why a snapshot follows; <c>null</c> when the server recovered the connection (the missed events follow).</returns>
    public ResyncReason? Welcome(SessionWelcome welcome)
    {
        ArgumentNullException.ThrowIfNull(welcome);
        var previous = Epoch;
        Volatile.Write(ref epoch, welcome.Epoch);
        if (welcome.Recovered)
        {
            return null;
        }
        // The snapshot that follows reflects everything up to welcome.Seq; live events follow from the next.
        Volatile.Write(ref lastSeq, welcome.Seq);
        return previous is null ? ResyncReason.Initial
            : previous != welcome.Epoch ? ResyncReason.LogReset
            : ResyncReason.Gap;
    }

    /// <summary>Takes an event's seq: <c>false</c> for one at or below the last (a repeat), which must be dropped.</summary>
    public bool TryAdvance(long seq)
    {
        if (seq <= LastSeq)
        {
            return false;
        }
        Volatile.Write(ref lastSeq, seq);
        return true;
    }
}
