namespace AgentPulse.Protocol;

/// <summary>The <c>kind</c> of a task (<see cref="TaskStarted.Kind"/>, <see cref="TaskRecord.Kind"/>) for the server's own agents.</summary>
/// <remarks>A producer outside the server may publish tasks of any other kind.</remarks>
public static class TaskKinds
{
    /// <summary>Indexing an uploaded document: stages <c>queued</c>, <c>extracting</c>, <c>chunking</c>, <c>indexing</c>; ends with <c>document.indexed</c>.</summary>
    public const string DocumentIndex = "document.index";

    /// <summary>Answering a search: ends with <c>search.completed</c>.</summary>
    public const string Search = "search";
}
