using System.Net;
using System.Net.WebSockets;
using AgentPulse.AspNetCore;
using AgentPulse.Testing;

namespace AgentPulse.AspNetCore.Tests;

public sealed class BadInputTests
{
    [Fact]
    public async Task ForeignOrigin_IsRefusedWith403BeforeTheUpgrade()
    {
        await using var server = await LibraryHost.StartAsync();
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Origin", "http://evil.example");

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(server.WebSocketUri(), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
    }

    [Fact]
    public async Task NoOrigin_SameOrigin_AndConfiguredOrigin_AreAllowed()
    {
        await using var server = await LibraryHost.StartAsync(new Dictionary<string, string?> { ["AgentPulse:AllowedOrigins:0"] = "http://dashboard.example:3000" });

        foreach (var origin in new[] { null, $"http://127.0.0.1:{server.Port}", "http://dashboard.example:3000" })
        {
            await using var client = await server.ConnectAsync(origin: origin);
            Assert.Equal("session.welcome", (await client.ReceiveFrameAsync()).Type());
        }
    }

    [Fact]
    public async Task MalformedJson_UnknownOp_AndBinaryFrame_GetSessionError_AndTheConnectionStays()
    {
        await using var server = await LibraryHost.StartAsync();
        await using var client = await server.ConnectAsync();
        await client.HandshakeAsync();

        await client.SendTextAsync("{not json");
        var error = await client.ReceiveFrameAsync();
        Assert.Equal("session.error", error.Type());
        Assert.Equal("bad_request", error.Data().GetProperty("code").GetString());

        await client.SendTextAsync("""{"op":"dance"}""");
        error = await client.ReceiveFrameAsync();
        Assert.Equal("unknown_op", error.Data().GetProperty("code").GetString());
        Assert.Contains("dance", error.Data().GetProperty("message").GetString(), StringComparison.Ordinal);

        await client.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        error = await client.ReceiveFrameAsync();
        Assert.Equal("binary_not_supported", error.Data().GetProperty("code").GetString());

        await client.SendTextAsync("""{"op":"subscribe","types":["ta*sk"]}""");
        error = await client.ReceiveFrameAsync();
        Assert.Equal("bad_pattern", error.Data().GetProperty("code").GetString());

        await client.SendTextAsync("""{"op":"ping","id":"p1"}""");
        var pong = await client.ReceiveFrameAsync();
        Assert.Equal("session.pong", pong.Type());
        Assert.Equal("p1", pong.Data().GetProperty("id").GetString());
    }

    [Fact]
    public async Task EmptyFrame_LargeFrame_AndOneInPieces_AreEachReadWhole_AfterTheIdleWait()
    {
        await using var server = await LibraryHost.StartAsync();
        await using var client = await server.ConnectAsync();
        await client.HandshakeAsync();

        // An empty text frame ends at the zero-byte wait: it is one (bad) operation, not lost.
        await client.SendTextAsync("");
        Assert.Equal("bad_request", (await client.ReceiveFrameAsync()).Data().GetProperty("code").GetString());

        // Past the 512 bytes read first, whole.
        var id = new string('p', 2_000);
        await client.SendTextAsync($$"""{"op":"ping","id":"{{id}}"}""");
        Assert.Equal(id, (await client.ReceiveFrameAsync()).Data().GetProperty("id").GetString());

        // A message in three frames, the first of them empty.
        var parts = new[] { "", "{\"op\":\"ping\",", "\"id\":\"p2\"}" };
        for (var i = 0; i < parts.Length; i++)
        {
            await client.Socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(parts[i]), WebSocketMessageType.Text, i == parts.Length - 1, CancellationToken.None);
        }
        Assert.Equal("p2", (await client.ReceiveFrameAsync()).Data().GetProperty("id").GetString());

        await client.SendTextAsync("""{"op":"ping","id":"p3"}""");
        Assert.Equal("p3", (await client.ReceiveFrameAsync()).Data().GetProperty("id").GetString());
    }

    [Fact]
    public async Task OversizeFrame_ClosesWith1009_AndOthersGoOn()
    {
        await using var server = await LibraryHost.StartAsync();
        await using var bystander = await server.ConnectAsync();
        await bystander.HandshakeAsync();
        await using var client = await server.ConnectAsync();
        await client.HandshakeAsync();

        await client.SendTextAsync($$"""{"op":"ping","id":"{{new string('x', 17 * 1024)}}"}""");

        Assert.Null(await client.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, client.Socket.CloseStatus);
        await AssertStillServedAsync(server, bystander);
    }

    [Fact]
    public async Task FloodOfBadFrames_ClosesWith1008_AfterTheAllowance_AndOthersGoOn()
    {
        await using var server = await LibraryHost.StartAsync();
        await using var bystander = await server.ConnectAsync();
        await bystander.HandshakeAsync();
        await using var client = await server.ConnectAsync();
        await client.HandshakeAsync();

        for (var i = 0; i < 21; i++)
        {
            await client.SendTextAsync("nonsense");
        }

        var errors = 0;
        while (await client.ReceiveAsync() is { } frame)
        {
            Assert.Equal("session.error", frame.Type());
            errors++;
        }
        Assert.Equal(20, errors);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, client.Socket.CloseStatus);
        await AssertStillServedAsync(server, bystander);
    }

    private static async Task AssertStillServedAsync(LibraryHost server, RawClient bystander)
    {
        var result = await server.Get<IEventPublisher>().PublishAsync(StreamingTests.Progress(1));
        Assert.Equal(result.Seq, (await bystander.EventsAsync(1))[0].Seq());
    }

    [Fact]
    public async Task PlainHttpRequest_ToTheWebSocketEndpoint_Gets400ProblemDetails()
    {
        await using var server = await LibraryHost.StartAsync();
        using var http = server.CreateHttpClient();

        var response = await http.GetAsync(new Uri("/ws/agents", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
