using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentPulse.Server.Events;
using AgentPulse.Server.Identity;
using Microsoft.AspNetCore.Authentication;
using AgentPulse.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.Server.Tests;

public sealed class EventsEndpointTests
{
    private static StringContent Json(string json, string mediaType = "application/cloudevents+json") =>
        new(json, Encoding.UTF8, mediaType);

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Fact]
    public async Task ValidCloudEvent_Gets202WithItsSeq_AndReachesWebSocketClients()
    {
        await using var server = await RunningServer.StartAsync();
        await using var client = await RawClient.ConnectAsync(server.WebSocketUri());
        Assert.Equal("session.welcome", (await client.ReceiveFrameAsync()).GetProperty("type").GetString());
        Assert.Equal("session.snapshot", (await client.ReceiveFrameAsync()).GetProperty("type").GetString());
        using var http = server.CreateHttpClient();

        var response = await http.PostAsync(new Uri("/api/events", UriKind.Relative), Json("""
            {"specversion":"1.0","id":"ext-1","source":"/publishers/external","type":"task.progress",
             "data":{"taskId":"7f3a","progress":0.42,"stage":"indexing","message":"chunk 21 of 50"}}
            """));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await ReadJsonAsync(response);
        Assert.Equal(1, body.GetProperty("seq").GetInt64());
        Assert.False(body.GetProperty("duplicate").GetBoolean());
        var frame = await client.ReceiveFrameAsync();
        Assert.Equal("task.progress", frame.GetProperty("type").GetString());
        Assert.Equal("ext-1", frame.GetProperty("id").GetString());
        Assert.Equal(1, frame.GetProperty("seq").GetInt64());
        Assert.Equal(0.42, frame.GetProperty("data").GetProperty("progress").GetDouble());
    }

    [Fact]
    public async Task RetriedEvent_IsAcceptedButAppendedOnce()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();
        const string Event = """{"id":"same","source":"/publishers/external","type":"agent.note","data":{"text":"hi"}}""";

        var first = await ReadJsonAsync(await http.PostAsync(new Uri("/api/events", UriKind.Relative), Json(Event, "application/json")));
        var second = await ReadJsonAsync(await http.PostAsync(new Uri("/api/events", UriKind.Relative), Json(Event, "application/json")));

        Assert.Equal(1, first.GetProperty("seq").GetInt64());
        Assert.Equal(1, second.GetProperty("seq").GetInt64());
        Assert.True(second.GetProperty("duplicate").GetBoolean());
    }

    [Fact]
    public async Task Batch_Gets202WithEverySeqInOrder()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();

        var response = await http.PostAsync(new Uri("/api/events", UriKind.Relative), Json("""
            [{"source":"/a","type":"agent.one"},{"source":"/a","type":"agent.two"},{"source":"/a","type":"agent.three"}]
            """, "application/cloudevents-batch+json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var seqs = (await ReadJsonAsync(response)).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64());
        Assert.Equal([1L, 2L, 3L], seqs);
    }

    [Theory]
    [InlineData("""{"source":"/a"}""", "'type' is required.")]
    [InlineData("""{"type":"","source":"/a"}""", "'type' must be a non-empty string.")]
    [InlineData("""{"type":"session.welcome"}""", "not allowed")]
    [InlineData("""{"type":"task.*"}""", "not allowed")]
    [InlineData("""{"type":"a.b","specversion":"0.3"}""", "'specversion' must be")]
    [InlineData("""{"type":"a.b","time":"yesterday"}""", "'time'")]
    [InlineData("""[1]""", "Event 0: A CloudEvent is a JSON object.")]
    [InlineData("""{"type":""", "Not valid JSON")]
    public async Task InvalidEvent_Gets400ProblemDetailsThatSayWhy(string json, string expected)
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();

        var response = await http.PostAsync(new Uri("/api/events", UriKind.Relative), Json(json, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ReadJsonAsync(response);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Contains(expected, problem.GetProperty("detail").GetString() + problem.GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongMediaType_Gets415()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();

        var response = await http.PostAsync(new Uri("/api/events", UriKind.Relative), new StringContent("type=a.b", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task BodyOverTheLimit_Gets413()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?> { ["Events:MaxBodyBytes"] = "1024" });
        using var http = server.CreateHttpClient();
        var content = Json($$"""{"type":"a.b","data":"{{new string('x', 2000)}}"}""");
        content.Headers.ContentLength = null;

        var response = await http.PostAsync(new Uri("/api/events", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task PublisherNotOnLoopback_IsRefusedWith403()
    {
        await using var server = await RunningServer.StartAsync();
        var context = new DefaultHttpContext { RequestServices = server.Services };
        context.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.10");
        var reachedEndpoint = false;

        var result = await PublisherAccess.Filter(
            new DefaultEndpointFilterInvocationContext(context),
            _ => { reachedEndpoint = true; return ValueTask.FromResult<object?>(Results.Accepted()); });

        Assert.False(reachedEndpoint);
        await ((IResult)result!).ExecuteAsync(context);
        Assert.Equal(StatusCodes.Status403Forbidden, context.Response.StatusCode);
    }

    [Fact]
    public async Task PublisherWithAKey_NotOnLoopback_IsLetThrough()
    {
        await using var server = await RunningServer.StartAsync(IdentityTests.Settings);
        var context = new DefaultHttpContext { RequestServices = server.Services };
        context.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.10");
        context.Request.Headers[ApiKeyAuthenticationHandler.HeaderName] = IdentityTests.PublisherKey;
        context.User = (await context.AuthenticateAsync()).Principal!;
        var reachedEndpoint = false;

        await PublisherAccess.Filter(
            new DefaultEndpointFilterInvocationContext(context),
            _ => { reachedEndpoint = true; return ValueTask.FromResult<object?>(Results.Accepted()); });

        Assert.True(reachedEndpoint);
        Assert.Null(PublisherAccess.RefusalFor(context.User, "/ci/build"));
        Assert.NotNull(PublisherAccess.RefusalFor(context.User, "/cd/deploy"));
    }

    [Fact]
    public async Task Healthz_SaysOk()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();

        var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }
}

public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_ExposeConnectionsAndPublishedEvents_InPrometheusFormat()
    {
        await using var server = await RunningServer.StartAsync();
        await using var client = await RawClient.ConnectAsync(server.WebSocketUri());
        await client.ReceiveFrameAsync();
        using var http = server.CreateHttpClient();
        var published = await http.PostAsync(new Uri("/api/events", UriKind.Relative), new StringContent("""{"type":"agent.note","source":"/a"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, published.StatusCode);

        var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        // OpenTelemetry listens by meter name, process-wide: servers of tests running in parallel
        // add to the same series, so the count here is at least ours.
        Assert.Contains("# TYPE agentpulse_connections gauge", text, StringComparison.Ordinal);
        var match = System.Text.RegularExpressions.Regex.Match(text, @"(?m)^agentpulse_events_published_total(\{[^}]*\})? (\d+)");
        Assert.True(match.Success, text);
        Assert.True(long.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1);
    }
}
