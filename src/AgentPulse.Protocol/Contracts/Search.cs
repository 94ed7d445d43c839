using System.Text.Json.Serialization;

namespace AgentPulse.Protocol.Contracts;

/// <summary>The body of <c>POST /api/search</c>.</summary>
/// <param name="Query">What to look for (required; the server answers 400 when it is missing or blank).</param>
/// <param name="Top">How many results at most; <c>null</c> for the server's default.</param>
public sealed record SearchRequest(string? Query, int? Top = null);

/// <summary>The 202 answer to <c>POST /api/search</c>; the results come as <c>search.completed</c> with this <see cref="SearchId"/>.</summary>
/// <param name="SearchId">The search.</param>
/// <param name="TaskId">Its task.</param>
public sealed record SearchAccepted(string SearchId, string TaskId);

/// <summary>Where a search is (<c>status</c> in <c>GET /api/search/{id}</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SearchStatus>))]
public enum SearchStatus
{
    /// <summary>Its task is queued or running.</summary>
    [JsonStringEnumMemberName("running")] Running,

    /// <summary>The results are there.</summary>
    [JsonStringEnumMemberName("completed")] Completed,

    /// <summary>It failed (<see cref="SearchRecord.Error"/> says why).</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>A search as <c>GET /api/search/{searchId}</c> keeps it: the <c>search.completed</c> fields plus its status.</summary>
/// <param name="SearchId">The search.</param>
/// <param name="Query">What was asked.</param>
/// <param name="Status">Running, completed or failed.</param>
/// <param name="TaskId">Its task.</param>
/// <param name="TotalHits">How many documents matched; <c>null</c> until completed.</param>
/// <param name="TookMs">How long the search took; <c>null</c> until completed.</param>
/// <param name="Results">The top results; <c>null</c> until completed.</param>
/// <param name="Error">Why it failed; <c>null</c> unless failed.</param>
public sealed record SearchRecord(
    string SearchId,
    string Query,
    SearchStatus Status,
    string TaskId,
    int? TotalHits,
    long? TookMs,
    IReadOnlyList<SearchHit>? Results,
    TaskError? Error);

/// <summary>The <c>result</c> of a <c>task.completed</c> of kind <see cref="TaskKinds.Search"/>.</summary>
/// <param name="SearchId">The search.</param>
/// <param name="TotalHits">How many documents matched.</param>
public sealed record SearchTaskResult(string SearchId, int TotalHits);
