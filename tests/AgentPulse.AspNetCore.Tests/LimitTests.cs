using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using AgentPulse.AspNetCore;
using AgentPulse.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.AspNetCore.Tests;

/// <summary>What one client can make the server hold: connections, subscription patterns, queued control frames.</summary>
public sealed class LimitTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PerAddressCap_RefusesTheNextUpgradeFromThatAddressWith503_WhileAnotherAddressConnects()
    {
        await using var server = await LibraryHost.StartAsync(new Dictionary<string, string?>
        {
            ["AgentPulse:MaxConnections"] = "100",
            ["AgentPulse:MaxConnectionsPerIp"] = "2",
        });
        var closed = Meters.ConnectionsClosed(server);
        await using var first = await server.ConnectAsync();
        await first.HandshakeAsync();
        await using var second = await server.ConnectAsync();
        await second.HandshakeAsync();
        using var http = server.CreateHttpClient();

        using var refused = await Upgrade.SendAsync(http);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {refused.Headers.RetryAfter}");
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("2 connections", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Another client address on this machine is not counted with the first.
        await using var other = await RawClient.ConnectAsync(server.WebSocketUri(), localAddress: IPAddress.Parse("127.0.0.2"));
        await other.HandshakeAsync();

        // One of the first address's connections goes: its place is free again.
        await first.DisposeAsync();
        await closed.ReadAsync().AsTask().WaitAsync(Wait);
        await using var again = await server.ConnectAsync();
        await again.HandshakeAsync();
    }

    [Fact]
    public async Task Subscribe_PastThePatternCap_GetsSessionErrorThenClose1008()
    {
        await using var server = await LibraryHost.StartAsync(new Dictionary<string, string?> { ["AgentPulse:MaxSubscriptionPatterns"] = "4" });
        await using var client = await server.ConnectAsync("types=a.one");
        await client.HandshakeAsync();

        await client.SendTextAsync("""{"op":"subscribe","types":["b.*","c.*","d.*"]}""");
        var ack = await client.ReceiveFrameAsync();
        Assert.Equal(["a.one", "b.*", "c.*", "d.*"], ack.Data().GetProperty("types").EnumerateArray().Select(t => t.GetString()));
        // A pattern already in the set does not count twice.
        await client.SendTextAsync("""{"op":"subscribe","types":["b.*"]}""");
        Assert.Equal(4, (await client.ReceiveFrameAsync()).Data().GetProperty("types").GetArrayLength());

        await client.SendTextAsync("""{"op":"subscribe","types":["e.*"]}""");

        var error = await client.ReceiveFrameAsync();
        Assert.Equal("session.error", error.Type());
        Assert.Equal("too_many_patterns", error.Data().GetProperty("code").GetString());
        Assert.Contains("4", error.Data().GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Null(await client.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, client.Socket.CloseStatus);
    }

    [Fact]
    public async Task Subscribe_OfMoreThan256Patterns_IsRefusedByDefault()
    {
        await using var server = await LibraryHost.StartAsync();
        await using var client = await server.ConnectAsync("types=a.one");
        await client.HandshakeAsync();
        var patterns = string.Join(',', Enumerable.Range(0, 256).Select(i => $"\"p{i}.*\""));

        await client.SendTextAsync($$"""{"op":"subscribe","types":[{{patterns}}]}""");

        Assert.Equal("too_many_patterns", (await client.ReceiveFrameAsync()).Data().GetProperty("code").GetString());
        Assert.Null(await client.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, client.Socket.CloseStatus);
    }

    [Fact]
    public async Task TypesAtConnect_OverThePatternCap_AreRefusedWith400()
    {
        await using var server = await LibraryHost.StartAsync(new Dictionary<string, string?> { ["AgentPulse:MaxSubscriptionPatterns"] = "4" });
        using var http = server.CreateHttpClient();

        using var refused = await Upgrade.SendAsync(http, "/ws/agents?types=a.1,a.2,a.3,a.4,a.5");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("at most 4", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await using var allowed = await server.ConnectAsync("types=a.1,a.2,a.3,a.4,a.1");
        await allowed.HandshakeAsync();
    }

    [Fact]
    public async Task ControlFramesPastTheByteBudget_CloseTheConnectionAsSlowConsumer_WhileItsWriterIsStalled()
    {
        // The writer of every connection stalls after its first write (welcome and snapshot), as behind
        // a client that stopped reading once the socket buffers are full: what the client asks for next
        // waits in the connection's control queue.
        await using var server = await LibraryHost.StartAsync(
            new Dictionary<string, string?> { ["AgentPulse:MaxControlQueueBytes"] = "65536" },
            configure: builder => builder.Services.AddSingleton<IStartupFilter>(new StallingTransportFilter()));
        var overflowed = Overflows(server);
        await using var client = await server.ConnectAsync();
        await client.HandshakeAsync();

        // Twenty pongs of 15 KB each: 300 KB, far fewer frames than the queue takes (256), more bytes
        // than it may hold even after the writer took a batch's worth (64 KB) before it stalled.
        var id = new string('x', 15_000);
        for (var i = 0; i < 20; i++)
        {
            await client.SendTextAsync($$"""{"op":"ping","id":"{{id}}"}""");
        }

        await overflowed.Task.WaitAsync(Wait);
    }

    private static TaskCompletionSource Overflows(AppHost server)
    {
        var overflowed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Meters.Listen(server, "agentpulse.queue.overflows", _ => overflowed.TrySetResult());
        return overflowed;
    }

    private sealed class StallingTransportFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Features.Get<IHttpUpgradeFeature>() is { } upgrade)
                {
                    context.Features.Set<IHttpUpgradeFeature>(new StallingUpgrade(upgrade));
                }
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class StallingUpgrade(IHttpUpgradeFeature inner) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => inner.IsUpgradableRequest;

        public async Task<Stream> UpgradeAsync() => new StallAfterFirstWrite(await inner.UpgradeAsync());
    }

    /// <summary>Reads pass through; the first write goes out, every later one waits until cancelled.</summary>
    private sealed class StallAfterFirstWrite(Stream inner) : Stream
    {
        private int writes;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref writes) == 1)
            {
                await inner.WriteAsync(buffer, cancellationToken);
                return;
            }
            await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
