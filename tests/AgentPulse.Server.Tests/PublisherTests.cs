using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentPulse.Server.Tasks;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.Server.Tests;

/// <summary>Publishers outside the server (<c>POST /api/events</c>) as a forger or a flood would use them.</summary>
public sealed class PublisherTests
{
    private static StringContent Json(string json, string mediaType = "application/cloudevents+json") => new(json, Encoding.UTF8, mediaType);

    private static Task<HttpResponseMessage> PublishAsync(HttpClient http, string json, string mediaType = "application/cloudevents+json") =>
        http.PostAsync(new Uri("api/events", UriKind.Relative), Json(json, mediaType));

    private static string Started(string source, string taskId) =>
        $$$"""{"type":"task.started","source":"{{{source}}}","data":{"taskId":"{{{taskId}}}","kind":"sync","title":"Syncing","agent":"syncer","resourceId":null}}""";

    private static string Completed(string source, string taskId) =>
        $$$"""{"type":"task.completed","source":"{{{source}}}","data":{"taskId":"{{{taskId}}}","durationMs":5,"result":null}}""";

    [Theory]
    [InlineData("/agents/indexer")]
    [InlineData("/agents/searcher")]
    [InlineData("/agents/anything")]
    [InlineData("/agents")]
    [InlineData("/AGENTS/indexer")]
    public async Task TheServersOwnAgentSources_AreReserved_403(string source)
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();

        using var single = await PublishAsync(http, $$$"""{"type":"document.indexed","source":"{{{source}}}","data":{"documentId":"d1","name":"a.md","contentType":"text/markdown","sizeBytes":1,"chunkCount":1,"taskId":"t1"}}""");
        var problem = await Api.ProblemAsync(single, HttpStatusCode.Forbidden);
        Assert.Contains(source, problem.Str("detail"), StringComparison.Ordinal);
        Assert.Contains("reserved", problem.Str("detail"), StringComparison.Ordinal);

        // In a batch, one such event refuses the batch: nothing of it is appended.
        using var batch = await PublishAsync(http, $$"""[{"type":"agent.note","source":"/publishers/me"},{"type":"agent.note","source":"{{source}}"}]""", "application/cloudevents-batch+json");
        Assert.Contains("Event 1", (await Api.ProblemAsync(batch, HttpStatusCode.Forbidden)).Str("detail"), StringComparison.Ordinal);
        using var next = await PublishAsync(http, """{"type":"agent.note","source":"/publishers/me"}""");
        Assert.Equal(1, JsonDocument.Parse(await next.Content.ReadAsStringAsync()).RootElement.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task EventsAboutAnotherSourcesTask_AreRefused_403()
    {
        var gate = new TaskGate { Holds = c => c.Stage == "indexing" };
        await using var server = await RunningServer.StartAsync(configure: builder => builder.Services.AddSingleton<ITaskCheckpoints>(gate));
        using var http = server.CreateHttpClient();
        var indexing = Assert.Single(await http.UploadAsync(("bread.md", Fixtures.Utf8(Fixtures.BakingMarkdown)))).Str("taskId");
        await gate.WaitForHeldAsync(1);

        // The indexer's task, from outside, under a source of its own.
        using (var forged = await PublishAsync(http, $$$"""{"type":"task.failed","source":"/publishers/evil","data":{"taskId":"{{{indexing}}}","error":{"code":"x","message":"Your document was deleted."},"retryable":false}}"""))
        {
            Assert.Contains(indexing, (await Api.ProblemAsync(forged, HttpStatusCode.Forbidden)).Str("detail"), StringComparison.Ordinal);
        }
        // Another publisher's task.
        using (var started = await PublishAsync(http, Started("/publishers/a", "t1")))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }
        using (var stolen = await PublishAsync(http, Completed("/publishers/b", "t1")))
        {
            await Api.ProblemAsync(stolen, HttpStatusCode.Forbidden);
        }
        using (var own = await PublishAsync(http, Completed("/publishers/a", "t1")))
        {
            Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        }
        gate.Open();
    }

    [Theory]
    [InlineData("""{"type":"task.started","source":"/publishers/me","data":"oops"}""", "task.started")]
    [InlineData("""{"type":"task.started","source":"/publishers/me","data":{"taskId":"t1"}}""", "kind")]
    [InlineData("""{"type":"task.started","source":"/publishers/me"}""", "task.started")]
    [InlineData("""{"type":"task.progress","source":"/publishers/me","data":{"progress":0.5,"stage":"x"}}""", "taskId")]
    [InlineData("""{"type":"task.progress","source":"/publishers/me","data":{"taskId":"t1","progress":"half","stage":"x"}}""", "task.progress")]
    [InlineData("""{"type":"task.progress","source":"/publishers/me","data":{"taskId":"t1","progress":7,"stage":"x"}}""", "progress")]
    [InlineData("""{"type":"task.failed","source":"/publishers/me","data":{"taskId":"t1","retryable":true}}""", "error")]
    [InlineData("""{"type":"document.indexed","source":"/publishers/me","data":[1,2]}""", "document.indexed")]
    [InlineData("""{"type":"search.completed","source":"/publishers/me","data":{"searchId":"s1","query":"q","totalHits":1,"tookMs":1,"results":[{"name":"x"}],"taskId":"t1"}}""", "documentId")]
    public async Task DataThatDoesNotFitItsCatalogType_Gets400(string json, string expected)
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();

        using var response = await PublishAsync(http, json);

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(expected, problem.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AThousandEventsWithBadData_AreRefused_AndLogAtMostOneLine()
    {
        var log = new LogLines();
        await using var server = await RunningServer.StartAsync(configure: builder => builder.Logging.AddProvider(log));
        using var http = server.CreateHttpClient();

        for (var i = 0; i < 1000; i++)
        {
            using var response = await PublishAsync(http, $$"""{"type":"task.started","source":"/publishers/me","id":"e{{i}}","data":"string {{i}}"}""");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.True(log.Count <= 1, string.Join('\n', log.Lines));
        Assert.DoesNotContain(log.Lines, line => line.Contains("   at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ActiveTasksOfOutsidePublishers_AreCappedPerSourceAndInAll_429()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?>
        {
            ["Events:MaxActiveTasksPerSource"] = "2",
            ["Events:MaxActiveTasks"] = "3",
        });
        using var http = server.CreateHttpClient();
        async Task<HttpStatusCode> StatusAsync(string json, string mediaType = "application/cloudevents+json")
        {
            using var response = await PublishAsync(http, json, mediaType);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Accepted, await StatusAsync(Started("/publishers/a", "a1")));
        Assert.Equal(HttpStatusCode.Accepted, await StatusAsync(Started("/publishers/a", "a2")));
        using (var third = await PublishAsync(http, Started("/publishers/a", "a3")))
        {
            var problem = await Api.ProblemAsync(third, HttpStatusCode.TooManyRequests);
            Assert.Contains("/publishers/a", problem.Str("detail"), StringComparison.Ordinal);
            Assert.Contains("2 active tasks", problem.Str("detail"), StringComparison.Ordinal);
        }
        // Progress of a task already counted is not a new task.
        Assert.Equal(HttpStatusCode.Accepted, await StatusAsync("""{"type":"task.progress","source":"/publishers/a","data":{"taskId":"a1","progress":0.5,"stage":"syncing"}}"""));
        Assert.Equal(HttpStatusCode.Accepted, await StatusAsync(Started("/publishers/b", "b1")));
        using (var overall = await PublishAsync(http, Started("/publishers/c", "c1")))
        {
            Assert.Contains("3 active tasks", (await Api.ProblemAsync(overall, HttpStatusCode.TooManyRequests)).Str("detail"), StringComparison.Ordinal);
        }
        // A batch counts its own starts.
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync($"[{Completed("/publishers/b", "b1")},{Started("/publishers/d", "d1")},{Started("/publishers/d", "d2")}]", "application/cloudevents-batch+json"));

        // An ended task frees its place.
        Assert.Equal(HttpStatusCode.Accepted, await StatusAsync(Completed("/publishers/a", "a1")));
        Assert.Equal(HttpStatusCode.Accepted, await StatusAsync(Started("/publishers/a", "a3")));
    }

    [Fact]
    public async Task OutsideTask_SilentPastTheTimeout_IsFailedByTheServer_WhileTheServersOwnTasksAreNot()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T17:00:00Z", CultureInfo.InvariantCulture));
        var gate = new TaskGate { Holds = c => c.Stage == "indexing" };
        await using var server = await RunningServer.StartAsync(
            new Dictionary<string, string?> { ["Events:SilentTaskTimeout"] = "00:05:00", ["AgentPulse:Log"] = "Memory" },
            configure: builder =>
            {
                builder.Services.AddSingleton<TimeProvider>(time);
                builder.Services.AddSingleton<ITaskCheckpoints>(gate);
            });
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var indexing = Assert.Single(await http.UploadAsync(("bread.md", Fixtures.Utf8(Fixtures.BakingMarkdown)))).Str("taskId");
        await gate.WaitForHeldAsync(1);
        using (var quiet = await PublishAsync(http, Started("/publishers/a", "quiet")))
        using (var talkative = await PublishAsync(http, Started("/publishers/a", "talkative")))
        {
            Assert.Equal(HttpStatusCode.Accepted, quiet.StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, talkative.StatusCode);
        }

        time.Advance(TimeSpan.FromMinutes(4));
        using (var news = await PublishAsync(http, """{"type":"task.progress","source":"/publishers/a","data":{"taskId":"talkative","progress":0.5,"stage":"syncing"}}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, news.StatusCode);
        }
        time.Advance(TimeSpan.FromMinutes(2));

        var failed = await events.WaitForEndAsync("quiet");
        Assert.Equal("task.failed", failed.Type());
        Assert.Equal("/publishers/a", failed.Str("source"));
        Assert.Equal("no_news", failed.Data().GetProperty("error").Str("code"));
        Assert.Contains("No news from the agent", failed.Data().GetProperty("error").Str("message"), StringComparison.Ordinal);
        // Whatever one sweep expires goes out together: once the marker after it arrived, nothing else was expired.
        using (var marker = await PublishAsync(http, """{"type":"agent.note","source":"/publishers/tests","id":"marker"}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, marker.StatusCode);
        }
        await events.WaitForAsync(list => list.Any(e => e.Type() == "agent.note"));
        var failures = events.Events.Where(e => e.Type() == "task.failed").Select(e => e.Data().Str("taskId"));
        Assert.Equal(["quiet"], failures);

        await using var late = await EventRecorder.ConnectAsync(server);
        var snapshot = late.Snapshot.Data().GetProperty("tasks").EnumerateArray().ToDictionary(t => t.Str("taskId"), t => t.Str("status"));
        Assert.Equal("failed", snapshot["quiet"]);
        Assert.Equal("running", snapshot["talkative"]);
        Assert.Equal("running", snapshot[indexing]);
        gate.Open();
    }

    [Theory]
    [InlineData("type")]
    [InlineData("data")]
    [InlineData("name")]
    public async Task InvalidUtf8_Gets400ProblemDetails_AndTheServerGoesOn(string where)
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();
        var text = where switch
        {
            "type" => """{"type":"agent.#","source":"/publishers/me"}""",
            "data" => """{"type":"agent.note","source":"/publishers/me","data":{"text":"#"}}""",
            _ => """{"type":"agent.note","source":"/publishers/me","data":{"#":1}}""",
        };
        var bytes = Encoding.UTF8.GetBytes(text).SelectMany(b => b == (byte)'#' ? new byte[] { 0xC3, 0x28, 0xFF } : [b]).ToArray();
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await http.PostAsync(new Uri("api/events", UriKind.Relative), content);

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("UTF-8", problem.Str("detail"), StringComparison.Ordinal);
        using var next = await PublishAsync(http, """{"type":"agent.note","source":"/publishers/me"}""");
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
    }

    /// <summary>Every line the server logs at Warning or above (the tests' servers log from Warning).</summary>
    private sealed class LogLines : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> lines = new();

        public int Count => lines.Count;

        public IReadOnlyList<string> Lines => [.. lines];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogLines log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    log.lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
                }
            }
        }
    }
}
