using System.Net;
using System.Text.Json;
using AgentPulse.Server.Tasks;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.Server.Tests;

public sealed class TaskRunnerTests
{
    private static (string, byte[]) Note(int i) => ($"note-{i}.txt", Fixtures.Utf8($"Note number {i} about the harbour and its boats."));

    private static Task<RunningServer> StartWithGateAsync(TaskGate gate, Dictionary<string, string?>? settings = null) =>
        RunningServer.StartAsync(settings, builder => builder.Services.AddSingleton<ITaskCheckpoints>(gate));

    [Fact]
    public async Task FiveUploads_AtOnce_RunTwoAtATime_TheRestQueuedThenDone()
    {
        // Held once extracting is reported, so the events already show the two as running.
        var gate = new TaskGate { Holds = c => c.Stage == "chunking" };
        await using var server = await StartWithGateAsync(gate);
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();

        var accepted = await http.UploadAsync([.. Enumerable.Range(1, 5).Select(Note)]);
        Assert.Equal(5, accepted.Count);
        await gate.WaitForHeldAsync(2);
        await events.WaitForAsync(list => list.Count(IsQueued) == 3 && MaxRunningAtOnce(list) == 2);

        // Two hold their slots at the gate; nothing else can start while they do.
        Assert.Equal(2, gate.Held.Count);
        Assert.Equal(gate.Held.Select(h => h.TaskId).Order(), RunningNow(events.Events).Order());
        Assert.Equal(5, events.Events.Count(e => e.Type() == "task.started"));
        var active = await http.GetJsonAsync("api/tasks?active=true");
        Assert.Equal(5, active.GetArrayLength());
        Assert.Equal(3, active.EnumerateArray().Count(t => t.Str("status") == "queued"));
        Assert.Equal(2, active.EnumerateArray().Count(t => t.Str("status") == "running"));
        var queued = events.Events.Where(IsQueued).Select(e => e.Data()).ToList();
        Assert.All(queued, q => Assert.Equal("waiting for a free slot", q.Str("message")));
        Assert.All(queued, q => Assert.Equal(0, q.GetProperty("progress").GetDouble()));

        gate.Open();
        await events.WaitForAsync(list => list.Count(e => e.Type() == "document.indexed") == 5);

        Assert.Equal(5, events.Events.Count(e => e.Type() == "task.completed"));
        Assert.Equal(0, events.Events.Count(e => e.Type() == "task.failed"));
        Assert.Equal(2, MaxRunningAtOnce(events.Events));
        Assert.Equal(0, (await http.GetJsonAsync("api/tasks?active=true")).GetArrayLength());
        var snapshotTasks = (await http.GetJsonAsync("api/tasks")).EnumerateArray().Where(t => t.Str("kind") == "document.index").ToList();
        Assert.Equal(5, snapshotTasks.Count);
        Assert.All(snapshotTasks, t => Assert.Equal("completed", t.Str("status")));
    }

    [Fact]
    public async Task Cancel_OfARunningTask_FailsItAsCancelled_AndTheDocumentAsFailed()
    {
        var gate = new TaskGate { Holds = c => c.Stage == "indexing" };
        await using var server = await StartWithGateAsync(gate);
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var accepted = Assert.Single(await http.UploadAsync(("night-shift.txt", Fixtures.Utf8(Fixtures.LongText))));
        var taskId = accepted.Str("taskId");
        await gate.WaitForHeldAsync(1);

        using var cancel = await http.DeleteAsync($"api/tasks/{taskId}");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var end = await events.WaitForEndAsync(taskId);

        Assert.Equal("task.failed", end.Type());
        Assert.Equal("cancelled", end.Data().GetProperty("error").Str("code"));
        Assert.True(end.Data().GetProperty("retryable").GetBoolean());
        var document = await http.GetJsonAsync($"api/documents/{accepted.Str("documentId")}");
        Assert.Equal("failed", document.Str("status"));
        Assert.Equal("cancelled", document.GetProperty("error").Str("code"));
        using var again = await http.DeleteAsync($"api/tasks/{taskId}");
        await Api.ProblemAsync(again, HttpStatusCode.Conflict);
        using var unknown = await http.DeleteAsync("api/tasks/no-such-task");
        await Api.ProblemAsync(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Cancel_OfAQueuedTask_FailsItAtOnce_AndTheOthersStillRun()
    {
        var gate = new TaskGate { Holds = c => c.Stage == "running" };
        await using var server = await StartWithGateAsync(gate, new() { ["Tasks:MaxConcurrency"] = "1" });
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var accepted = await http.UploadAsync(Note(1), Note(2));
        await gate.WaitForHeldAsync(1);
        await events.WaitForAsync(list => list.Count(IsQueued) == 1);
        var queuedTaskId = events.Events.Single(IsQueued).Data().Str("taskId");

        using var cancel = await http.DeleteAsync($"api/tasks/{queuedTaskId}");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var end = await events.WaitForEndAsync(queuedTaskId);
        Assert.Equal("task.failed", end.Type());
        Assert.Equal("cancelled", end.Data().GetProperty("error").Str("code"));

        gate.Open();
        var other = accepted.Single(a => a.Str("taskId") != queuedTaskId).Str("taskId");
        Assert.Equal("task.completed", (await events.WaitForEndAsync(other)).Type());
        Assert.Equal(["task.started", "task.progress", "task.failed"], events.ForTask(queuedTaskId).Select(e => e.Type()));
        Assert.Single(gate.Held);
    }

    [Fact]
    public async Task Tasks_AreTheSameRecords_InTheApiAndInTheSnapshot()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();
        await using (var events = await EventRecorder.ConnectAsync(server))
        {
            var accepted = Assert.Single(await http.UploadAsync(Note(1)));
            await events.WaitForAsync(list => list.Any(e => e.Type() == "document.indexed"));
        }

        await using var late = await EventRecorder.ConnectAsync(server);
        var fromApi = await http.GetJsonAsync("api/tasks");
        var fromSnapshot = late.Snapshot.Data().GetProperty("tasks");
        Assert.Equal(1, fromApi.GetArrayLength());
        Assert.Equal(fromApi[0].GetRawText(), fromSnapshot[0].GetRawText());
    }

    private static bool IsQueued(JsonElement e) => e.Type() == "task.progress" && e.Data().Str("stage") == "queued";

    /// <summary>Folds the events: a task runs from its first real progress to its end.</summary>
    private static int MaxRunningAtOnce(IEnumerable<JsonElement> events) => Fold(events).Max;

    private static HashSet<string> RunningNow(IEnumerable<JsonElement> events) => Fold(events).Running;

    private static (int Max, HashSet<string> Running) Fold(IEnumerable<JsonElement> events)
    {
        var running = new HashSet<string>();
        var max = 0;
        foreach (var e in events)
        {
            var data = e.Data();
            switch (e.Type())
            {
                case "task.progress" when data.Str("stage") != "queued":
                    running.Add(data.Str("taskId"));
                    break;
                case "task.completed" or "task.failed":
                    running.Remove(data.Str("taskId"));
                    break;
            }
            max = Math.Max(max, running.Count);
        }
        return (max, running);
    }
}
