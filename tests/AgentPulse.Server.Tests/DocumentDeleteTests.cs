using System.Net;
using AgentPulse.AspNetCore;
using AgentPulse.Server.Search;
using AgentPulse.Server.Tasks;
using AgentPulse.Testing;

namespace AgentPulse.Server.Tests;

public sealed class DocumentDeleteTests
{
    /// <summary>DocumentAgent's log line "waiting for its task to end".</summary>
    private const int WaitingForTask = 4201;

    [Fact]
    public async Task Delete_AsIndexingEnds_WaitsForTheTask_SoNoIndexedEventFollowsIts204_AndOfTwoDeletesOneIs404()
    {
        // Held after task.completed, just before document.indexed: the work is done and can no longer be cancelled.
        var gate = new TaskGate { Holds = c => c.Stage == "publishing" };
        var log = new ServerLog();
        await using var server = await HeldServer.StartAsync(gate, log);
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var accepted = Assert.Single(await http.UploadAsync(("bread.md", Fixtures.Utf8(Fixtures.BakingMarkdown))));
        var documentId = accepted.Str("documentId");
        await gate.WaitForHeldAsync(1);

        Task<HttpResponseMessage> first, second;
        try
        {
            var waiting = log.WaitForAsync(WaitingForTask, documentId, TimeSpan.FromSeconds(60));
            first = http.DeleteAsync($"api/documents/{documentId}");
            if (await Task.WhenAny(first, waiting) == first)
            {
                using var early = await first;
                Assert.Fail($"DELETE answered {(int)early.StatusCode} while its document's task was still ending");
            }
            second = http.DeleteAsync($"api/documents/{documentId}");
        }
        finally
        {
            gate.Open();
        }
        using var firstResponse = await first;
        using var secondResponse = await second;
        var lastSeqAtAnswers = server.Get<IEventLog>().LastSeq;

        Assert.Equal([HttpStatusCode.NoContent, HttpStatusCode.NotFound], new[] { firstResponse.StatusCode, secondResponse.StatusCode }.Order());
        var indexed = await events.WaitForAsync(list => list.Any(e => e.Type() == "document.indexed"));
        Assert.All(indexed.Where(e => e.Type() == "document.indexed"), e => Assert.True(e.GetProperty("seq").GetInt64() <= lastSeqAtAnswers));
        using var gone = await http.GetAsync($"api/documents/{documentId}");
        await Api.ProblemAsync(gone, HttpStatusCode.NotFound);
        Assert.Equal(0, server.Get<SearchIndex>().ChunkCount());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataPath, "documents")));
    }
}
