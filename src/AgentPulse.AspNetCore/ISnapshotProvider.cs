using System.Security.Claims;
using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore;

/// <summary>
/// Gives the tasks sent in <c>session.snapshot</c> to a connection that was not recovered.
/// The app registers one (see <see cref="TaskProjection"/>); the default is empty.
/// </summary>
public interface ISnapshotProvider
{
    /// <summary>
    /// The tasks that <paramref name="user"/> may see. Called while fan-out holds still, so that the
    /// snapshot reflects exactly every event up to the welcome's seq and live events follow from the
    /// next one: answer from memory, quickly, and never block.
    /// </summary>
    /// <param name="user">The connection's user when <see cref="AgentPulseOptions.RequireAuthentication"/> is on; an anonymous
    /// user otherwise, who sees everything (even when the request did carry a token).</param>
    IReadOnlyList<TaskRecord> GetSnapshot(ClaimsPrincipal user);
}

/// <summary>
/// Sees every event right after the log committed it, in seq order, before any connection gets it.
/// Runs on fan-out (the thread on which the log hands over its committed entries) while fan-out holds
/// still: keep it short and never block.
/// </summary>
public interface IEventObserver
{
    /// <summary>Called once per appended event, in seq order. An exception is logged and ignored.</summary>
    void OnAppended(LoggedEvent loggedEvent);
}
