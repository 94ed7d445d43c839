using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AgentPulse.Server.Identity;
using AgentPulse.Testing;

namespace AgentPulse.Server.Tests;

/// <summary>
/// Identity through the real server with <c>AgentPulse:RequireAuthentication=true</c>: two users (alice, bob)
/// with tokens signed by the development key, and a publisher's API key bound to <c>/ci/</c>.
/// </summary>
public sealed class IdentityTests : IAsyncLifetime
{
    internal const string PublisherKey = "ap_test-publisher-key";

    private RunningServer server = null!;

    internal static Dictionary<string, string?> Settings => new()
    {
        ["AgentPulse:RequireAuthentication"] = "true",
        ["Identity:ApiKeys:0:Name"] = "ci",
        ["Identity:ApiKeys:0:Hash"] = ApiKeyAuthenticationHandler.HashOf(PublisherKey),
        ["Identity:ApiKeys:0:Sources:0"] = "/ci/",
    };

    public async Task InitializeAsync() => server = await RunningServer.StartAsync(Settings);

    public async Task DisposeAsync() => await server.DisposeAsync();

    private string TokenFor(string name) => server.Get<AccessTokens>().Mint(name).Token;

    private HttpClient HttpFor(string name)
    {
        var http = server.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(name));
        return http;
    }

    private HttpClient Publisher()
    {
        var http = server.CreateHttpClient();
        http.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, PublisherKey);
        return http;
    }

    private Task<EventRecorder> ConnectAsync(string name, string? query = null) =>
        EventRecorder.ConnectAsync(server, $"access_token={Uri.EscapeDataString(TokenFor(name))}{(query is null ? "" : "&" + query)}");

    private static async Task<long> PublishAsync(HttpClient publisher, string type, string source = "/ci/build")
    {
        using var response = await publisher.PostAsync("api/events", new StringContent($$$"""{"type":"{{{type}}}","source":"{{{source}}}","data":{}}""", Encoding.UTF8, "application/cloudevents+json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("seq").GetInt64();
    }

    [Fact]
    public async Task TwoUsers_EachReceivesOwnAndPublicEventsOnly_LiveResumeAndSnapshot()
    {
        using var aliceHttp = HttpFor("alice");
        using var publisher = Publisher();
        await using var aliceLive = await ConnectAsync("alice");
        await using var bobLive = await ConnectAsync("bob");
        var bobPosition = bobLive.Welcome.Data().GetProperty("seq").GetInt64();
        var epoch = bobLive.Welcome.Data().GetProperty("epoch").GetString();

        var accepted = await aliceHttp.UploadAsync(("notes.md", Fixtures.Utf8(Fixtures.BakingMarkdown)));
        var taskId = accepted[0].Str("taskId");
        await aliceLive.WaitForAsync(list => list.Any(e => e.Type() == "document.indexed"));
        await PublishAsync(publisher, "ci.note");
        await aliceLive.WaitForAsync(list => list.Any(e => e.Type() == "ci.note"));
        await bobLive.WaitForAsync(list => list.Any(e => e.Type() == "ci.note"));

        // Live: alice has her task's every event and the public one; bob, in seq order, only the public one.
        var aliceEvents = aliceLive.Events;
        Assert.Equal(aliceEvents.Count - 1, aliceLive.ForTask(taskId).Count);
        Assert.Equal(1, aliceEvents.Count(e => e.Type() == "ci.note"));
        Assert.Equal(1, aliceEvents.Count(e => e.Type() == "document.indexed"));
        Assert.Equal(1, aliceEvents.Count(e => e.Type() == "task.started"));
        Assert.Equal(1, aliceEvents.Count(e => e.Type() == "task.completed"));
        Assert.Equal(["ci.note"], bobLive.Events.Select(e => e.Type()));

        // Resume: bob's missed events after his position are the public one only; a second public one marks the end of the replay.
        await using var bobResumed = await ConnectAsync("bob", $"after={bobPosition}&epoch={epoch}");
        Assert.True(bobResumed.Welcome.Data().GetProperty("recovered").GetBoolean());
        await PublishAsync(publisher, "ci.done");
        await bobResumed.WaitForAsync(list => list.Any(e => e.Type() == "ci.done"));
        Assert.Equal(["ci.note", "ci.done"], bobResumed.Events.Select(e => e.Type()));
        await using var aliceResumed = await ConnectAsync("alice", $"after={bobPosition}&epoch={epoch}");
        await aliceResumed.WaitForAsync(list => list.Any(e => e.Type() == "ci.done"));
        Assert.Equal(
            aliceEvents.Select(e => e.GetProperty("seq").GetInt64()).Append(aliceResumed.Events[^1].GetProperty("seq").GetInt64()),
            aliceResumed.Events.Select(e => e.GetProperty("seq").GetInt64()));

        // Snapshot: bob's holds none of alice's tasks; hers holds her one task.
        await using var bobFresh = await ConnectAsync("bob");
        Assert.Empty(bobFresh.Snapshot.Data().GetProperty("tasks").EnumerateArray());
        await using var aliceFresh = await ConnectAsync("alice");
        var aliceTasks = aliceFresh.Snapshot.Data().GetProperty("tasks").EnumerateArray().ToList();
        Assert.Equal([taskId], aliceTasks.Select(t => t.Str("taskId")));
        Assert.Equal("alice", aliceTasks[0].Str("owner"));
    }

    [Fact]
    public async Task AnotherUsersDocumentsSearchesAndTasks_AreNotFound()
    {
        using var aliceHttp = HttpFor("alice");
        using var bobHttp = HttpFor("bob");
        await using var aliceLive = await ConnectAsync("alice");
        var accepted = await aliceHttp.UploadAsync(("night.txt", Fixtures.Utf8(Fixtures.LongText)));
        var (documentId, taskId) = (accepted[0].Str("documentId"), accepted[0].Str("taskId"));
        await aliceLive.WaitForAsync(list => list.Any(e => e.Type() == "document.indexed"));
        var (searchId, searchTaskId) = await aliceHttp.SearchAsync("lemon cake");
        await aliceLive.WaitForAsync(list => list.Any(e => e.Type() == "search.completed"));

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, $"api/documents/{documentId}"),
            (HttpMethod.Delete, $"api/documents/{documentId}"),
            (HttpMethod.Post, $"api/documents/{documentId}/reindex"),
            (HttpMethod.Get, $"api/tasks/{taskId}"),
            (HttpMethod.Delete, $"api/tasks/{taskId}"),
            (HttpMethod.Get, $"api/tasks/{searchTaskId}"),
            (HttpMethod.Get, $"api/search/{searchId}"),
        })
        {
            using var response = await bobHttp.SendAsync(new HttpRequestMessage(method, path));
            await Api.ProblemAsync(response, HttpStatusCode.NotFound);
        }
        Assert.Empty((await bobHttp.GetJsonAsync("api/documents")).GetProperty("documents").EnumerateArray());
        Assert.Empty((await bobHttp.GetJsonAsync("api/tasks")).EnumerateArray());

        // Bob's search cannot find alice's document; hers did, and her document is still there.
        await using var bobLive = await ConnectAsync("bob");
        var (bobSearch, _) = await bobHttp.SearchAsync("lemon cake");
        var bobResults = await bobLive.WaitForAsync(list => list.Any(e => e.Type() == "search.completed"));
        Assert.Equal(0, bobResults.Single(e => e.Type() == "search.completed").Data().GetProperty("totalHits").GetInt32());
        Assert.Equal(0, (await bobHttp.GetJsonAsync($"api/search/{bobSearch}")).GetProperty("totalHits").GetInt32());
        Assert.Equal(1, (await aliceHttp.GetJsonAsync($"api/search/{searchId}")).GetProperty("totalHits").GetInt32());
        Assert.Equal("indexed", (await aliceHttp.GetJsonAsync($"api/documents/{documentId}")).Str("status"));
        Assert.Equal([documentId], (await aliceHttp.GetJsonAsync("api/documents")).GetProperty("documents").EnumerateArray().Select(d => d.Str("documentId")));
    }

    [Fact]
    public async Task PublisherKey_PublishesUnderItsPrefixOnly()
    {
        using var publisher = Publisher();
        await PublishAsync(publisher, "ci.note", "/ci/build/42");

        using var outside = await publisher.PostAsync("api/events", new StringContent("""{"type":"ci.note","source":"/cd/deploy"}""", Encoding.UTF8, "application/cloudevents+json"));
        var problem = await Api.ProblemAsync(outside, HttpStatusCode.Forbidden);
        Assert.Contains("/ci/", problem.Str("detail"), StringComparison.Ordinal);

        // A batch with one event outside the prefix is refused whole.
        using var batch = await publisher.PostAsync("api/events", new StringContent("""[{"type":"ci.a","source":"/ci/x"},{"type":"ci.b","source":"/agents/indexer"}]""", Encoding.UTF8, "application/cloudevents-batch+json"));
        await Api.ProblemAsync(batch, HttpStatusCode.Forbidden);
        var next = await PublishAsync(publisher, "ci.after");
        Assert.Equal(2, next); // the refused batch took no seq

        using var anonymous = server.CreateHttpClient();
        using var noKey = await anonymous.PostAsync("api/events", new StringContent("""{"type":"ci.note","source":"/ci/x"}""", Encoding.UTF8, "application/json"));
        await Api.ProblemAsync(noKey, HttpStatusCode.Unauthorized);

        anonymous.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, "ap_not-a-key");
        using var wrongKey = await anonymous.PostAsync("api/events", new StringContent("""{"type":"ci.note","source":"/ci/x"}""", Encoding.UTF8, "application/json"));
        await Api.ProblemAsync(wrongKey, HttpStatusCode.Unauthorized);

        using var alice = HttpFor("alice");
        using var person = await alice.PostAsync("api/events", new StringContent("""{"type":"ci.note","source":"/ci/x"}""", Encoding.UTF8, "application/json"));
        await Api.ProblemAsync(person, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task PublisherKey_OpensNothingButPublishing()
    {
        using var publisher = Publisher();
        using var documents = await publisher.GetAsync("api/documents");
        Assert.Equal(HttpStatusCode.Forbidden, documents.StatusCode);
        using var metrics = await publisher.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.Forbidden, metrics.StatusCode);
    }

    [Fact]
    public async Task WithoutAToken_EveryEndpointButHealthAndSignIn_Is401()
    {
        using var http = server.CreateHttpClient();
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "api/documents"),
            (HttpMethod.Post, "api/documents"),
            (HttpMethod.Get, "api/documents/x"),
            (HttpMethod.Delete, "api/documents/x"),
            (HttpMethod.Post, "api/documents/x/reindex"),
            (HttpMethod.Post, "api/search"),
            (HttpMethod.Get, "api/search/x"),
            (HttpMethod.Get, "api/tasks"),
            (HttpMethod.Get, "api/tasks/x"),
            (HttpMethod.Delete, "api/tasks/x"),
            (HttpMethod.Post, "api/events"),
            (HttpMethod.Get, "metrics"),
            (HttpMethod.Get, "ws/agents"),
        })
        {
            using var response = await http.SendAsync(new HttpRequestMessage(method, path));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}: {(int)response.StatusCode}");
        }
        using var expired = new HttpRequestMessage(HttpMethod.Get, "api/documents");
        expired.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.Get<AccessTokens>().Mint("alice", TimeSpan.FromMinutes(-10)).Token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(expired)).StatusCode);

        Assert.Equal("ok", await http.GetStringAsync("healthz"));
        var info = await http.GetJsonAsync("api/auth");
        Assert.True(info.GetProperty("authenticationRequired").GetBoolean());
        Assert.True(info.GetProperty("developmentSignIn").GetBoolean());

        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(server.WebSocketUri(), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    [Fact]
    public async Task BearerHeader_OpensTheWebSocketToo()
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {TokenFor("alice")}");
        await socket.ConnectAsync(server.WebSocketUri(), CancellationToken.None);
        await using var client = new RawClientOver(socket);
        Assert.Equal("session.welcome", (await client.ReceiveAsync()).Type());
    }

    [Fact]
    public async Task DevelopmentSignIn_MintsATokenThatOpensTheApi()
    {
        using var http = server.CreateHttpClient();
        using var response = await http.PostAsJsonAsync("api/auth/development-token", new { name = "carol" });
        var issued = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("carol", issued.Str("user"));

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issued.Str("accessToken"));
        Assert.Empty((await http.GetJsonAsync("api/documents")).GetProperty("documents").EnumerateArray());

        using var blank = await http.PostAsJsonAsync("api/auth/development-token", new { name = "  " });
        await Api.ProblemAsync(blank, HttpStatusCode.BadRequest);
        using var text = await http.PostAsync("api/auth/development-token", new StringContent("""{"name":"dave"}""", Encoding.UTF8, "text/plain"));
        await Api.ProblemAsync(text, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task DevelopmentSignIn_IsOffWithAConfiguredKey()
    {
        var settings = Settings;
        settings["Identity:SigningKey"] = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)i).ToArray());
        await using var configured = await RunningServer.StartAsync(settings);
        using var http = configured.CreateHttpClient();

        using var response = await http.PostAsJsonAsync("api/auth/development-token", new { name = "carol" });

        await Api.ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.False((await http.GetJsonAsync("api/auth")).GetProperty("developmentSignIn").GetBoolean());
        Assert.False(File.Exists(Path.Combine(configured.DataPath, SigningKeys.DevelopmentKeyFile)));
        // The command's token is signed with the configured key, which the server takes.
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", configured.Get<AccessTokens>().Mint("erin").Token);
        Assert.Empty((await http.GetJsonAsync("api/tasks")).EnumerateArray());
        // A token signed with another server's development key is not.
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor("erin"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/tasks")).StatusCode);
    }
}

public sealed class IdentityOptionsTests
{
    [Theory]
    [InlineData("Identity:SigningKey", "c2hvcnQ=", "SigningKey")]
    [InlineData("Identity:Authority", "not a url", "Authority")]
    [InlineData("Identity:ApiKeys:0:Hash", "abc", "Hash")]
    [InlineData("Identity:TokenLifetime", "-00:01:00", "TokenLifetime")]
    public async Task BadIdentityOptions_StopTheServerFromStarting(string key, string value, string named)
    {
        var settings = IdentityTests.Settings;
        settings[key] = value;

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => RunningServer.StartAsync(settings));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}

/// <summary>A <see cref="ClientWebSocket"/> connected by the test itself, read as <see cref="RawClient"/> reads.</summary>
internal sealed class RawClientOver(ClientWebSocket socket) : IAsyncDisposable
{
    private readonly byte[] buffer = new byte[1 << 16];

    public async Task<JsonElement> ReceiveAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var count = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(count), cts.Token);
            count += result.Count;
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(buffer.AsMemory(0, count)).RootElement.Clone();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
        socket.Dispose();
    }
}
