using System.Net;
using AgentPulse.Server.Tasks;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.Server.Tests;

public sealed class DocumentLifecycleTests
{
    [Fact]
    public async Task Reindex_WhileIndexing_Is409_AndAfterwardsRunsANewTask()
    {
        var gate = new TaskGate { Holds = c => c.Stage == "indexing" };
        await using var server = await RunningServer.StartAsync(configure: builder => builder.Services.AddSingleton<ITaskCheckpoints>(gate));
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var accepted = Assert.Single(await http.UploadAsync(("bread.md", Fixtures.Utf8(Fixtures.BakingMarkdown))));
        var documentId = accepted.Str("documentId");
        await gate.WaitForHeldAsync(1);

        using (var busy = await http.PostAsync($"api/documents/{documentId}/reindex", null))
        {
            await Api.ProblemAsync(busy, HttpStatusCode.Conflict);
        }
        gate.Open();
        await events.WaitForEndAsync(accepted.Str("taskId"));

        using var again = await http.PostAsync($"api/documents/{documentId}/reindex", null);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        await events.WaitForAsync(list => list.Count(e => e.Type() == "document.indexed") == 2);
        var indexed = events.Events.Where(e => e.Type() == "document.indexed").Select(e => e.Data()).ToList();
        Assert.All(indexed, d => Assert.Equal(documentId, d.Str("documentId")));
        Assert.NotEqual(indexed[0].Str("taskId"), indexed[1].Str("taskId"));
        var document = await http.GetJsonAsync($"api/documents/{documentId}");
        Assert.Equal("indexed", document.Str("status"));
        Assert.Equal(indexed[1].Str("taskId"), document.Str("taskId"));
    }

    [Theory]
    [InlineData("GET", "api/documents/nope")]
    [InlineData("DELETE", "api/documents/nope")]
    [InlineData("POST", "api/documents/nope/reindex")]
    [InlineData("GET", "api/tasks/nope")]
    public async Task UnknownIds_Are404ProblemDetails(string method, string path)
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();

        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await Api.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Upload_WithoutAForm_Is415ProblemDetails()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();

        using var response = await http.PostAsync("api/documents", new StringContent("hello", System.Text.Encoding.UTF8, "text/plain"));

        await Api.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }
}
