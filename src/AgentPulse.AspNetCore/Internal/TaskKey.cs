using System.Text.Json;
using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>What conflation needs of an event: the <c>taskId</c> of its payload and, for <c>task.progress</c>, its <c>stage</c>.</summary>
internal sealed class TaskKey
{
    public static readonly TaskKey None = new(null, null, false);

    private TaskKey(string? taskId, string? stage, bool isProgress)
    {
        TaskId = taskId;
        Stage = stage;
        IsProgress = isProgress;
    }

    /// <summary>The task; <c>null</c> for an event about none.</summary>
    public string? TaskId { get; }

    /// <summary>The stage of a progress event; <c>null</c> when it has none.</summary>
    public string? Stage { get; }

    /// <summary>Whether the event is a <c>task.progress</c> of a task: the one kind that may be conflated.</summary>
    public bool IsProgress { get; }

    public static TaskKey Of(CloudEvent cloudEvent)
    {
        if (cloudEvent.Data is not { ValueKind: JsonValueKind.Object } data
            || !data.TryGetProperty("taskId", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 } taskId)
        {
            return None;
        }
        var isProgress = cloudEvent.Type == EventTypes.TaskProgress;
        var stage = isProgress && data.TryGetProperty("stage", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        return new TaskKey(taskId, stage, isProgress);
    }
}
