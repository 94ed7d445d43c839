namespace AgentPulse.Protocol.Contracts;

/// <summary>The 202 answer to <c>POST /api/events</c> with one CloudEvent; one item of <see cref="EventsAccepted"/>.</summary>
/// <param name="Seq">The seq the server gave it (the first one's, for a repeat).</param>
/// <param name="Id">Its CloudEvents id (made by the server when the producer gave none).</param>
/// <param name="Duplicate">Whether it repeated a <c>source</c> + <c>id</c> still in the log, and was not appended again.</param>
public sealed record EventAccepted(long Seq, string Id, bool Duplicate);

/// <summary>The 202 answer to <c>POST /api/events</c> with a batch.</summary>
/// <param name="Events">One per event of the batch, in its order.</param>
public sealed record EventsAccepted(IReadOnlyList<EventAccepted> Events);
