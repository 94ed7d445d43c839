using System.Security.Claims;
using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore.Internal;

internal sealed class EmptySnapshotProvider : ISnapshotProvider
{
    public IReadOnlyList<TaskRecord> GetSnapshot(ClaimsPrincipal user) => [];
}
