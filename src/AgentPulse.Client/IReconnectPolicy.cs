namespace AgentPulse.Client;

/// <summary>Decides how long to wait before each reconnect attempt, and when to give up.</summary>
/// <remarks>A pure function of its input: the client supplies the randomness for jitter in <see cref="ReconnectContext.RandomSample"/>.</remarks>
public interface IReconnectPolicy
{
    /// <summary>The wait before the attempt <paramref name="context"/> describes.</summary>
    /// <returns>The delay (<see cref="TimeSpan.Zero"/>: at once), or <c>null</c> to give up: the client goes <see cref="ConnectionState.Disconnected"/>.</returns>
    TimeSpan? NextDelay(ReconnectContext context);

    /// <summary>
    /// How many attempts the policy makes before it gives up, for a UI's "attempt 2 of 5"
    /// (default: <c>null</c>: no fixed limit, or none the policy states).
    /// </summary>
    int? MaxAttempts => null;
}

/// <summary>What an <see cref="IReconnectPolicy"/> knows about the attempt to schedule.</summary>
/// <param name="Attempt">
/// The attempt to schedule, from 1: 1 right after a connection was lost or the first connect failed,
/// then 2, 3, … while attempts fail. It starts over at 1 after a connection has been up, and after
/// <see cref="AgentPulseClient.ReconnectNowAsync"/>.
/// </param>
/// <param name="Elapsed">How long since the connection was lost (or since the current round of attempts began).</param>
/// <param name="RandomSample">A value in [0, 1) from <see cref="AgentPulseClientOptions.Random"/>, for jitter.</param>
/// <param name="Reason">Why the last connection or attempt ended, such as <see cref="DisconnectReason.HeartbeatTimeout"/>.</param>
/// <param name="CloseCode">The close code it ended with (1006 when lost without a close frame); <c>null</c> when no socket was opened.</param>
public sealed record ReconnectContext(int Attempt, TimeSpan Elapsed, double RandomSample, DisconnectReason Reason, int? CloseCode);
