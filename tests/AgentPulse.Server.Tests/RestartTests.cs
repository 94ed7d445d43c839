using AgentPulse.Server.Search;
using AgentPulse.Server.Tasks;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Tests;

public sealed class RestartTests
{
    [Fact]
    public async Task Restart_InTheMiddleOfIndexing_FailsThatDocument_KeepsTheOthersSearchable_AndItCanBeReindexed()
    {
        // Hold a long document after its second chunk went into the writer, before its own commit.
        var gate = new TaskGate { Holds = c => c.Kind == "document.index" && c.Stage == "indexing" && c.Current == 2 };
        var first = await RunningServer.StartAsync(configure: builder => builder.Services.AddSingleton<ITaskCheckpoints>(gate));
        string heldDocumentId, heldTaskId;
        int keptChunks;
        try
        {
            using var http = first.CreateHttpClient();
            await using var events = await EventRecorder.ConnectAsync(first);
            var held = Assert.Single(await http.UploadAsync(("night-shift.txt", Fixtures.Utf8(Fixtures.LongText))));
            heldDocumentId = held.Str("documentId");
            heldTaskId = held.Str("taskId");
            await gate.WaitForHeldAsync(1);

            // A short document indexed meanwhile commits the writer, and with it the held document's first chunks.
            var kept = Assert.Single(await http.UploadAsync(("bread.md", Fixtures.Utf8(Fixtures.BakingMarkdown))));
            var indexed = await events.WaitForAsync(list => list.Any(e => e.Type() == "document.indexed"));
            var keptIndexed = Assert.Single(indexed, e => e.Type() == "document.indexed").Data();
            Assert.Equal(kept.Str("documentId"), keptIndexed.Str("documentId"));
            keptChunks = keptIndexed.GetProperty("chunkCount").GetInt32();
            Assert.Equal(keptChunks + 2, first.Get<SearchIndex>().ChunkCount());

            // Even so, a search never shows a half-indexed document.
            var (_, searchTask) = await http.SearchAsync("journal");
            Assert.Equal(0, (await DocumentUploadTests.WaitForSearchAsync(events, searchTask)).GetProperty("totalHits").GetInt32());
            Assert.Equal("indexing", (await http.GetJsonAsync($"api/documents/{heldDocumentId}")).Str("status"));
        }
        finally
        {
            await first.StopAsync();
        }

        await using var second = await RunningServer.RestartAsync(first);
        {
            using var http = second.CreateHttpClient();
            await using var events = await EventRecorder.ConnectAsync(second);

            var document = await http.GetJsonAsync($"api/documents/{heldDocumentId}");
            Assert.Equal("failed", document.Str("status"));
            Assert.Equal("interrupted", document.GetProperty("error").Str("code"));
            Assert.Equal("interrupted by a server restart", document.GetProperty("error").Str("message"));
            var task = await http.GetJsonAsync($"api/tasks/{heldTaskId}");
            Assert.Equal("failed", task.Str("status"));
            Assert.Equal("interrupted by a server restart", task.GetProperty("error").Str("message"));
            var fromSnapshot = events.Snapshot.Data().GetProperty("tasks").EnumerateArray().Single(t => t.Str("taskId") == heldTaskId);
            Assert.Equal("failed", fromSnapshot.Str("status"));
            Assert.Equal("interrupted", fromSnapshot.GetProperty("error").Str("code"));
            Assert.Equal(0, (await http.GetJsonAsync("api/tasks?active=true")).GetArrayLength());

            // The index opened, with the whole of the other document and nothing of the interrupted one.
            Assert.Equal(keptChunks, second.Get<SearchIndex>().ChunkCount());
            var (_, searchTask) = await http.SearchAsync("starter dough");
            var found = await DocumentUploadTests.WaitForSearchAsync(events, searchTask);
            Assert.Equal("bread.md", Assert.Single(found.GetProperty("results").EnumerateArray()).Str("name"));

            using var reindex = await http.PostAsync($"api/documents/{heldDocumentId}/reindex", null);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, reindex.StatusCode);
            await events.WaitForAsync(list => list.Any(e => e.Type() == "document.indexed" && e.Data().Str("documentId") == heldDocumentId));
            (_, searchTask) = await http.SearchAsync("journal");
            Assert.Equal("night-shift.txt", (await DocumentUploadTests.WaitForSearchAsync(events, searchTask)).GetProperty("results")[0].Str("name"));
            Assert.Equal("indexed", (await http.GetJsonAsync($"api/documents/{heldDocumentId}")).Str("status"));
        }
    }

    [Fact]
    public async Task Stop_WhileATaskIgnoresItsCancellation_EndsWithinTheShutdownTimeout_AndTheNextStartFailsItAsInterrupted()
    {
        // The task never heeds its cancellation (as a catastrophic regex would not): only the
        // shutdown timeout can end the wait for it.
        var shutdownTimeout = TimeSpan.FromSeconds(2);
        var gate = new TaskGate { Holds = c => c.Kind == "document.index" && c.Stage == "indexing", IgnoresCancellation = true };
        var first = await RunningServer.StartAsync(
            new Dictionary<string, string?> { ["shutdownTimeoutSeconds"] = "2" },
            builder => builder.Services.AddSingleton<ITaskCheckpoints>(gate));
        Assert.Equal(shutdownTimeout, first.Get<IOptions<HostOptions>>().Value.ShutdownTimeout);
        string documentId, taskId;
        try
        {
            using var http = first.CreateHttpClient();
            var held = Assert.Single(await http.UploadAsync(("night-shift.txt", Fixtures.Utf8(Fixtures.LongText))));
            documentId = held.Str("documentId");
            taskId = held.Str("taskId");
            await gate.WaitForHeldAsync(1);

            // SIGTERM stops the host the same way: stop, then dispose. Before, the dispose waited for the task forever.
            await first.StopAsync().WaitAsync(shutdownTimeout + TimeSpan.FromSeconds(20));
        }
        finally
        {
            gate.Open(); // the task left behind wakes, sees the server stopped, and records nothing
        }

        await using var second = await RunningServer.RestartAsync(first);
        {
            using var http = second.CreateHttpClient();
            var task = await http.GetJsonAsync($"api/tasks/{taskId}");
            Assert.Equal("failed", task.Str("status"));
            Assert.Equal("interrupted", task.GetProperty("error").Str("code"));
            Assert.Equal(TaskRunner.InterruptedMessage, task.GetProperty("error").Str("message"));
            var document = await http.GetJsonAsync($"api/documents/{documentId}");
            Assert.Equal("failed", document.Str("status"));
            Assert.Equal("interrupted", document.GetProperty("error").Str("code"));
        }
    }
}
