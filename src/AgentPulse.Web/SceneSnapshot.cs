using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentPulse.Web;

/// <summary>
/// What the 3D view shows at one moment, as its scene module (<c>wwwroot/js/scene.js</c>) reads it: the
/// connection, the stations, the tasks and the notifications. Built by <see cref="SceneFeed"/>; sent as JSON
/// (camelCase, <see cref="SceneJsonContext"/>).
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
public sealed record SceneStatus([property: JsonConverter(typeof(CamelCaseEnumConverter<ConnectionState>))] ConnectionState State, string Text);

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
public sealed record SceneNotification(long Id, [property: JsonConverter(typeof(CamelCaseEnumConverter<ToastLevel>))] ToastLevel Level, string? Title, string Message);

/// <summary>An enum as its camelCase name (<c>Reconnecting</c> is <c>reconnecting</c>).</summary>
internal sealed class CamelCaseEnumConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.CamelCase) where T : struct, Enum;

/// <summary>The snapshot's JSON, source-generated (trim-safe in WebAssembly).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(SceneSnapshot))]
internal sealed partial class SceneJsonContext : JsonSerializerContext;
