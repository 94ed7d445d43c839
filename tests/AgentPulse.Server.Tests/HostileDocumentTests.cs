using System.Net;
using AgentPulse.Server.Tasks;
using AgentPulse.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.Server.Tests;

/// <summary>Uploads made to hold the indexer: they are read in bounded time, can be stopped, and are stopped by the time limit.</summary>
public sealed class HostileDocumentTests
{
    [Theory]
    [InlineData("emphasis.md")]
    [InlineData("nested.html")]
    public async Task Upload_OfAPathologicalDocument_IsIndexed(string name)
    {
        await using var server = await RunningServer.StartAsync();
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        // A line of unclosed emphasis (1 MB), or 100,000 nested divs.
        var content = name.EndsWith(".html", StringComparison.Ordinal)
            ? "<html><body>" + Fixtures.Repeat("<div>", 100_000 * 5) + "the walrus sleeps deep inside"
            : Fixtures.Repeat("*walrus ", 1 << 20);

        var accepted = Assert.Single(await http.UploadAsync((name, Fixtures.Utf8(content))));
        var end = await events.WaitForEndAsync(accepted.Str("taskId"));

        Assert.Equal("task.completed", end.Type());
        var (_, taskId) = await http.SearchAsync("walrus");
        var found = await DocumentUploadTests.WaitForSearchAsync(events, taskId);
        Assert.Equal(name, found.GetProperty("results")[0].Str("name"));
    }

    [Theory]
    [InlineData("long.md", "a line of *Markdown* words\n", "tasks")]
    [InlineData("long.html", "<p>a paragraph of HTML words</p>\n", "documents")]
    public async Task Delete_InTheMiddleOfExtracting_StopsIt(string name, string line, string what)
    {
        // Held when the first of several parts of the text has been read.
        var gate = new TaskGate { Holds = c => c.Stage == "extracting" && c.Current == 1 && c.Total > 1 };
        await using var server = await HeldServer.StartAsync(gate);
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var accepted = Assert.Single(await http.UploadAsync((name, Fixtures.Utf8(Fixtures.Repeat(line, 1 << 20)))));
        var taskId = accepted.Str("taskId");
        await gate.WaitForHeldAsync(1);

        using var deleted = await http.DeleteAsync(what == "tasks" ? $"api/tasks/{taskId}" : $"api/documents/{accepted.Str("documentId")}");
        var end = await events.WaitForEndAsync(taskId);

        Assert.Equal(what == "tasks" ? HttpStatusCode.Accepted : HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal("task.failed", end.Type());
        Assert.Equal("cancelled", end.Data().GetProperty("error").Str("code"));
        var stages = events.ForTask(taskId).Where(e => e.Type() == "task.progress").Select(e => e.Data()).ToList();
        Assert.All(stages, p => Assert.Equal("extracting", p.Str("stage")));
        Assert.DoesNotContain(stages, p => p.TryGetProperty("current", out var part) && part.ValueKind == System.Text.Json.JsonValueKind.Number && part.GetInt64() > 1);
    }

    [Fact]
    public async Task Extraction_OverTheTimeLimit_FailsTheTaskSayingSo()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // Held at the first report, after the time limit started counting.
        var gate = new TaskGate { Holds = c => c.Stage == "extracting" && c.Current is null };
        await using var server = await HeldServer.StartAsync(gate, clock: clock, settings: new() { ["Documents:MaxExtractionTime"] = "00:00:30" });
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var accepted = Assert.Single(await http.UploadAsync(("bread.md", Fixtures.Utf8(Fixtures.BakingMarkdown))));
        await gate.WaitForHeldAsync(1);

        clock.Advance(TimeSpan.FromSeconds(31));
        gate.Open();
        var end = await events.WaitForEndAsync(accepted.Str("taskId"));

        Assert.Equal("task.failed", end.Type());
        var error = end.Data().GetProperty("error");
        Assert.Equal("timeout", error.Str("code"));
        Assert.Equal("Reading bread.md took longer than 30 seconds, the most AgentPulse spends on one document.", error.Str("message"));
        var document = await http.GetJsonAsync($"api/documents/{accepted.Str("documentId")}");
        Assert.Equal("failed", document.Str("status"));
        Assert.Equal("timeout", document.GetProperty("error").Str("code"));
    }
}
