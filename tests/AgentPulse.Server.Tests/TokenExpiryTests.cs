using System.Net.WebSockets;
using System.Text.Json;
using AgentPulse.Server.Identity;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.Server.Tests;

/// <summary>
/// A live connection ends with 4001 when its token expires, unless the client sent a new one in band
/// (<c>{"op":"authenticate","token":"…"}</c>). The server's clock is a <see cref="FakeTimeProvider"/>, started
/// on a whole second at the real time (the token handler checks lifetimes against the real clock, within its skew).
/// </summary>
public sealed class TokenExpiryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider time = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    private RunningServer server = null!;

    public async Task InitializeAsync() =>
        server = await RunningServer.StartAsync(IdentityTests.Settings, builder => builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));

    public async Task DisposeAsync() => await server.DisposeAsync();

    private string Token(string name, int seconds) => server.Get<AccessTokens>().Mint(name, TimeSpan.FromSeconds(seconds)).Token;

    private async Task<RawClient> ConnectAsync(string token)
    {
        var client = await RawClient.ConnectAsync(server.WebSocketUri($"access_token={Uri.EscapeDataString(token)}&types=session.none"));
        var welcome = await client.ReceiveFrameAsync();
        Assert.Equal("session.welcome", welcome.Type());
        Assert.Equal("session.snapshot", (await client.ReceiveFrameAsync()).Type());
        Welcome = welcome;
        return client;
    }

    private JsonElement Welcome { get; set; }

    private static async Task AssertAliveAsync(RawClient client, string id)
    {
        await client.SendTextAsync($$"""{"op":"ping","id":"{{id}}"}""");
        var pong = await client.ReceiveFrameAsync();
        Assert.Equal("session.pong", pong.Type());
        Assert.Equal(id, pong.Data().Str("id"));
    }

    private static async Task AssertClosedAsync(RawClient client, int code)
    {
        Assert.Null(await client.ReceiveAsync());
        Assert.Equal((WebSocketCloseStatus)code, client.Socket.CloseStatus);
        Assert.Equal("token expired", client.Socket.CloseStatusDescription);
    }

    [Fact]
    public async Task ExpiredToken_ClosesTheConnectionWith4001()
    {
        await using var client = await ConnectAsync(Token("alice", 60));
        Assert.Equal(60, Welcome.Data().GetProperty("tokenExpiresInSeconds").GetInt64());

        time.Advance(TimeSpan.FromSeconds(59));
        await AssertAliveAsync(client, "at-59s");

        time.Advance(TimeSpan.FromSeconds(1));
        await AssertClosedAsync(client, 4001);
    }

    [Fact]
    public async Task RefreshInBand_KeepsTheConnectionUntilTheNewTokenExpires()
    {
        await using var client = await ConnectAsync(Token("alice", 60));

        time.Advance(TimeSpan.FromSeconds(30));
        await client.SendTextAsync($$"""{"op":"authenticate","token":"{{Token("alice", 60)}}"}""");
        var authenticated = await client.ReceiveFrameAsync();
        Assert.Equal("session.authenticated", authenticated.Type());
        Assert.Equal(60, authenticated.Data().GetProperty("tokenExpiresInSeconds").GetInt64());

        time.Advance(TimeSpan.FromSeconds(31)); // past the first token's expiry
        await AssertAliveAsync(client, "at-61s");
        time.Advance(TimeSpan.FromSeconds(28));
        await AssertAliveAsync(client, "at-89s");

        time.Advance(TimeSpan.FromSeconds(1));
        await AssertClosedAsync(client, 4001);
    }

    [Theory]
    [InlineData("bob")]
    [InlineData("garbage")]
    [InlineData("")]
    public async Task RefusedRefresh_IsAnErrorAndTheFirstTokenStillExpires(string what)
    {
        await using var client = await ConnectAsync(Token("alice", 60));
        var token = what switch
        {
            "bob" => Token("bob", 600),
            "garbage" => "not.a.token",
            _ => "",
        };

        await client.SendTextAsync($$"""{"op":"authenticate","token":"{{token}}"}""");

        var error = await client.ReceiveFrameAsync();
        Assert.Equal("session.error", error.Type());
        Assert.Equal("unauthorized", error.Data().Str("code"));
        time.Advance(TimeSpan.FromSeconds(59));
        await AssertAliveAsync(client, "still-here");
        time.Advance(TimeSpan.FromSeconds(1));
        await AssertClosedAsync(client, 4001);
    }
}

public sealed class NoAuthenticationTests
{
    [Fact]
    public async Task WithAuthenticationOff_TheWelcomeHasNoExpiry_AndAuthenticateIsAnError()
    {
        await using var server = await RunningServer.StartAsync();
        await using var client = await RawClient.ConnectAsync(server.WebSocketUri());
        var welcome = await client.ReceiveFrameAsync();
        Assert.False(welcome.Data().TryGetProperty("tokenExpiresInSeconds", out _));
        await client.ReceiveFrameAsync(); // snapshot

        await client.SendTextAsync("""{"op":"authenticate","token":"x"}""");

        var error = await client.ReceiveFrameAsync();
        Assert.Equal("session.error", error.Type());
        Assert.Equal("unauthorized", error.Data().Str("code"));
    }
}
