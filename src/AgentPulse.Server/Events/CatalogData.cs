using System.Text.Json;
using AgentPulse.Protocol;

namespace AgentPulse.Server.Events;

/// <summary>
/// Checks that the <c>data</c> of a catalog type fits its record (<see cref="TaskStarted"/>, …) before the
/// event is published, so that no reader of the log (the snapshot, a page) meets a payload it cannot
/// read: a producer's mistake is its 400, not a stack trace in the server's log per event. The text
/// fields are bounded too, as the active tasks' records are kept in memory and sent in every snapshot.
/// </summary>
internal static class CatalogData
{
    /// <summary>What is wrong with the data of <paramref name="cloudEvent"/>, fit for the producer; <c>null</c> when it fits (or the type is not the catalog's).</summary>
    public static string? Problem(CloudEvent cloudEvent, int maxChars)
    {
        var type = cloudEvent.Type;
        if (!EventTypes.Catalog.Contains(type))
        {
            return null;
        }
        if (cloudEvent.Data is not { ValueKind: JsonValueKind.Object } data)
        {
            return $"The 'data' of {type} must be a JSON object ({Fields(type)}).";
        }
        if (LongestString(data) > maxChars)
        {
            return $"A text in the 'data' of {type} is over {maxChars} characters.";
        }
        try
        {
            return type switch
            {
                EventTypes.TaskStarted => Check(data.Deserialize(AgentPulseJsonContext.Default.TaskStarted), type, t =>
                    Required(t.TaskId, "taskId") ?? Required(t.Kind, "kind") ?? Required(t.Title, "title") ?? Required(t.Agent, "agent")),
                EventTypes.TaskProgress => Check(data.Deserialize(AgentPulseJsonContext.Default.TaskProgress), type, t =>
                    Required(t.TaskId, "taskId") ?? Required(t.Stage, "stage")
                    ?? (t.Progress is >= 0 and <= 1 ? null : $"'progress' must be from 0 to 1, not {t.Progress}")),
                EventTypes.TaskCompleted => Check(data.Deserialize(AgentPulseJsonContext.Default.TaskCompleted), type, t =>
                    Required(t.TaskId, "taskId")),
                EventTypes.TaskFailed => Check(data.Deserialize(AgentPulseJsonContext.Default.TaskFailed), type, t =>
                    Required(t.TaskId, "taskId")
                    ?? (t.Error is null ? "'error' ({code, message}) is required" : Required(t.Error.Code, "error.code") ?? Required(t.Error.Message, "error.message"))),
                EventTypes.DocumentIndexed => Check(data.Deserialize(AgentPulseJsonContext.Default.DocumentIndexed), type, t =>
                    Required(t.DocumentId, "documentId") ?? Required(t.Name, "name") ?? Required(t.ContentType, "contentType") ?? Required(t.TaskId, "taskId")),
                _ => Check(data.Deserialize(AgentPulseJsonContext.Default.SearchCompleted), type, t =>
                    Required(t.SearchId, "searchId") ?? Required(t.Query, "query") ?? Required(t.TaskId, "taskId")
                    ?? (t.Results is null ? "'results' is required" : t.Results.Select(Hit).FirstOrDefault(problem => problem is not null))),
            };
        }
        catch (JsonException ex)
        {
            return $"The 'data' does not fit {type}: {ex.Message}";
        }
    }

    /// <summary>The task an event of <c>task.*</c> is about, read from its (checked) data; <c>null</c> for other types.</summary>
    public static string? TaskId(CloudEvent cloudEvent) =>
        cloudEvent.Type.StartsWith("task.", StringComparison.Ordinal)
        && cloudEvent.Data is { ValueKind: JsonValueKind.Object } data
        && data.TryGetProperty("taskId", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

    private static string? Check<T>(T? payload, string type, Func<T, string?> problem) where T : class =>
        payload is null ? $"The 'data' of {type} must be a JSON object ({Fields(type)})." : problem(payload) is { } why ? $"The 'data' of {type} is not right: {why}." : null;

    private static string? Required(string? value, string name) => string.IsNullOrEmpty(value) ? $"'{name}' is required" : null;

    private static string? Hit(SearchHit? hit) =>
        hit is null ? "a result is null" : Required(hit.DocumentId, "results[].documentId") ?? Required(hit.Name, "results[].name") ?? Required(hit.Snippet, "results[].snippet");

    private static string Fields(string type) => type switch
    {
        EventTypes.TaskStarted => "taskId, kind, title, agent, resourceId",
        EventTypes.TaskProgress => "taskId, progress, stage, message, current, total",
        EventTypes.TaskCompleted => "taskId, durationMs, result",
        EventTypes.TaskFailed => "taskId, error {code, message}, retryable",
        EventTypes.DocumentIndexed => "documentId, name, contentType, sizeBytes, chunkCount, taskId",
        _ => "searchId, query, totalHits, tookMs, results [{documentId, name, snippet, score}], taskId",
    };

    /// <summary>The length of the longest string (or property name) in <paramref name="element"/>.</summary>
    private static int LongestString(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return element.GetString()!.Length;
            case JsonValueKind.Object:
                var longest = 0;
                foreach (var property in element.EnumerateObject())
                {
                    longest = Math.Max(longest, Math.Max(property.Name.Length, LongestString(property.Value)));
                }
                return longest;
            case JsonValueKind.Array:
                var longestItem = 0;
                foreach (var item in element.EnumerateArray())
                {
                    longestItem = Math.Max(longestItem, LongestString(item));
                }
                return longestItem;
            default:
                return 0;
        }
    }
}
