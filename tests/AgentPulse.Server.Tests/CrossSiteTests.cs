using System.Net;
using System.Net.Http.Json;
using System.Text;
using AgentPulse.Testing;

namespace AgentPulse.Server.Tests;

/// <summary>Requests a page of another site can make a browser send (CSRF), and DNS rebinding (a foreign Host).</summary>
public sealed class CrossSiteTests
{
    private const string Evil = "http://evil.example";

    private static HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content = null, string? origin = null, string? host = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        return request;
    }

    private static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    [Fact]
    public async Task ForeignOrigin_CannotUpload_Search_Reindex_Delete_Cancel_OrPublish()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();
        var document = (await http.UploadAsync(("notes.md", Fixtures.Utf8(Fixtures.BakingMarkdown))))[0];
        var documentId = document.Str("documentId");

        var attempts = new[]
        {
            Request(HttpMethod.Post, "api/documents", Api.Form(("evil.md", Fixtures.Utf8("# planted"))), Evil),
            Request(HttpMethod.Post, "api/search", JsonContent.Create(new { query = "sourdough" }), Evil),
            Request(HttpMethod.Post, $"api/documents/{documentId}/reindex", null, Evil),
            Request(HttpMethod.Delete, $"api/documents/{documentId}", null, Evil),
            Request(HttpMethod.Delete, $"api/tasks/{document.Str("taskId")}", null, Evil),
            Request(HttpMethod.Post, "api/events", Json("""{"type":"agent.note","source":"/publishers/evil"}"""), Evil),
            // An opaque origin (a sandboxed frame, a file) is not this server's either.
            Request(HttpMethod.Post, "api/search", JsonContent.Create(new { query = "sourdough" }), "null"),
        };
        foreach (var attempt in attempts)
        {
            using (attempt)
            using (var response = await http.SendAsync(attempt))
            {
                var problem = await Api.ProblemAsync(response, HttpStatusCode.Forbidden);
                Assert.Contains("AllowedOrigins", problem.Str("detail"), StringComparison.Ordinal);
            }
        }

        Assert.Equal(documentId, (await http.GetJsonAsync($"api/documents/{documentId}")).Str("documentId"));
        Assert.Single((await http.GetJsonAsync("api/documents")).GetProperty("documents").EnumerateArray());
    }

    [Fact]
    public async Task SameOrigin_AndConfiguredOrigins_MayChangeState()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?> { ["AgentPulse:AllowedOrigins:0"] = "https://dashboard.example" });
        using var http = server.CreateHttpClient();

        foreach (var origin in new[] { $"http://127.0.0.1:{server.Port}", "https://dashboard.example" })
        {
            using var request = Request(HttpMethod.Post, "api/search", JsonContent.Create(new { query = "sourdough" }), origin);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task Search_WithoutAJsonContentType_Gets415(string mediaType)
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();
        using var content = new StringContent("""{"query":"sourdough"}""", Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(mediaType);

        using var response = await http.PostAsync(new Uri("api/search", UriKind.Relative), content);

        var problem = await Api.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", problem.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForeignHost_Gets400_ForTheUpgradeTheApiAndPublishing()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();
        var evilHost = $"evil.example:{server.Port}";

        using (var upgrade = await Upgrade.SendAsync(http, headers: h =>
        {
            h.Host = evilHost;
            h.Add("Origin", $"http://{evilHost}");
        }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, upgrade.StatusCode);
        }
        using (var request = Request(HttpMethod.Get, "api/documents", host: evilHost))
        using (var response = await http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        // The loopback-only rule of publishing sees a loopback peer here: the Host check stops it first.
        using (var request = Request(HttpMethod.Post, "api/events", Json("""{"type":"agent.note","source":"/publishers/evil"}"""), $"http://{evilHost}", evilHost))
        using (var response = await http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        // The loopback names are this server's by default.
        foreach (var host in new[] { $"localhost:{server.Port}", $"127.0.0.1:{server.Port}", $"[::1]:{server.Port}" })
        {
            using var request = Request(HttpMethod.Get, "api/documents", host: host);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task ConfiguredAllowedHosts_ReplaceTheLoopbackNames()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?> { ["AllowedHosts"] = "agents.example.com" });
        using var http = server.CreateHttpClient();

        using (var request = Request(HttpMethod.Get, "api/documents", host: "agents.example.com"))
        using (var response = await http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        using (var request = Request(HttpMethod.Get, "api/documents", host: $"localhost:{server.Port}"))
        using (var response = await http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }
}
