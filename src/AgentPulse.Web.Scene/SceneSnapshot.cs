using System.Buffers;
using System.Text;
using System.Text.Json;

namespace AgentPulse.Web.Scene;

/// <summary>
/// What the 3D view shows at one moment, as its scene module (<c>_content/AgentPulse.Web.Scene/js/scene.js</c>) reads it: the
/// connection, the stations, the tasks and the notifications. Built by <see cref="SceneFeed"/>; sent as JSON
/// (<see cref="SceneJson"/>).
/// </summary>
/// <param name="Status">The connection, as the scene's sign shows it.</param>
/// <param name="Stations">One per agent seen since the view opened, in the order they first appeared.</param>
/// <param name="Tasks">Running tasks (oldest first), queued ones, then finished ones (newest first).</param>
/// <param name="Notifications">The page's toasts now, oldest first.</param>
public sealed record SceneSnapshot(
    SceneStatus Status,
    IReadOnlyList<string> Stations,
    IReadOnlyList<SceneTask> Tasks,
    IReadOnlyList<SceneNotification> Notifications);

/// <summary>The connection on the scene's sign.</summary>
/// <param name="State">The state (in JSON: <c>connecting</c>, <c>connected</c>, <c>reconnecting</c>, <c>disconnected</c>, <c>closed</c>).</param>
/// <param name="Text">What the sign says: the connection indicator's words ("Reconnecting, attempt 2 of 5…").</param>
public sealed record SceneStatus(ConnectionState State, string Text);

/// <summary>One task in the scene.</summary>
/// <param name="Id">The task's id.</param>
/// <param name="Title">What it does, for a person.</param>
/// <param name="Agent">The station it stands at.</param>
/// <param name="Kind">Such as <c>document.index</c>.</param>
/// <param name="Status">Queued, running, completed or failed (in JSON as the protocol writes it: <c>queued</c>…).</param>
/// <param name="Progress">From 0 to 1.</param>
/// <param name="Stage">The current stage; <c>null</c> before the first step.</param>
/// <param name="Message">The latest message; <c>null</c> when none.</param>
/// <param name="Outcome">For a finished task, "Completed in 1.3 s" or "Failed: the reason"; otherwise <c>null</c>.</param>
public sealed record SceneTask(
    string Id,
    string Title,
    string Agent,
    string Kind,
    AgentTaskStatus Status,
    double Progress,
    string? Stage,
    string? Message,
    string? Outcome);

/// <summary>One of the page's toasts, in the scene's notification panel.</summary>
/// <param name="Id">The toast's id.</param>
/// <param name="Level">Its style (in JSON: <c>info</c>, <c>success</c>, <c>error</c>).</param>
/// <param name="Title">Its heading; <c>null</c> for none.</param>
/// <param name="Message">Its text.</param>
public sealed record SceneNotification(long Id, ToastLevel Level, string? Title, string Message);

/// <summary>
/// The snapshot as the scene module reads it: JSON, camelCase, states in lowercase (<c>"reconnecting"</c>).
/// Written by hand with a <see cref="Utf8JsonWriter"/>: trim-safe, and a fraction of the code a
/// source-generated context adds to the assembly every page loads.
/// </summary>
public static class SceneJson
{
    /// <summary>The snapshot's JSON text.</summary>
    public static string Write(SceneSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("status");
            json.WriteString("state", Name(snapshot.Status.State));
            json.WriteString("text", snapshot.Status.Text);
            json.WriteEndObject();
            json.WriteStartArray("stations");
            foreach (var station in snapshot.Stations)
            {
                json.WriteStringValue(station);
            }
            json.WriteEndArray();
            json.WriteStartArray("tasks");
            foreach (var task in snapshot.Tasks)
            {
                json.WriteStartObject();
                json.WriteString("id", task.Id);
                json.WriteString("title", task.Title);
                json.WriteString("agent", task.Agent);
                json.WriteString("kind", task.Kind);
                json.WriteString("status", Name(task.Status));
                json.WriteNumber("progress", task.Progress);
                json.WriteString("stage", task.Stage);
                json.WriteString("message", task.Message);
                json.WriteString("outcome", task.Outcome);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("notifications");
            foreach (var notification in snapshot.Notifications)
            {
                json.WriteStartObject();
                json.WriteNumber("id", notification.Id);
                json.WriteString("level", Name(notification.Level));
                json.WriteString("title", notification.Title);
                json.WriteString("message", notification.Message);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Name(ConnectionState state) => state switch
    {
        ConnectionState.Connecting => "connecting",
        ConnectionState.Connected => "connected",
        ConnectionState.Reconnecting => "reconnecting",
        ConnectionState.Disconnected => "disconnected",
        _ => "closed",
    };

    private static string Name(AgentTaskStatus status) => status switch
    {
        AgentTaskStatus.Queued => "queued",
        AgentTaskStatus.Running => "running",
        AgentTaskStatus.Completed => "completed",
        _ => "failed",
    };

    private static string Name(ToastLevel level) => level switch
    {
        ToastLevel.Success => "success",
        ToastLevel.Error => "error",
        _ => "info",
    };
}
