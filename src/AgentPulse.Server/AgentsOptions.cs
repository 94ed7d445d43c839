namespace AgentPulse.Server;

/// <summary>Options of the agents on this node (configuration section <c>Agents</c>).</summary>
public sealed class AgentsOptions
{
    /// <summary>
    /// Whether this node runs the agents (document indexing, search) and serves <c>/api/documents</c>,
    /// <c>/api/search</c> and <c>/api/tasks</c>; a stream node of a cluster sets it to <c>false</c> and only
    /// streams events (default: <c>true</c>).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether the task snapshot starts from the tasks this node's store remembers. Not with a log shared by
    /// several nodes: there every node folds its snapshot from the one stream, so that all of them send the same.
    /// </summary>
    internal bool SeedSnapshotFromStore { get; set; } = true;
}
