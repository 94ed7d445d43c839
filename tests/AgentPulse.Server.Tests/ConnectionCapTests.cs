using System.Net;
using System.Text;
using System.Text.Json;
using AgentPulse.AspNetCore;
using AgentPulse.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Tests;

public sealed class ConnectionCapTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task FullServer_Refuses503WithRetryAfter_WhileOpenConnectionsAndHealthzWork_AndAdmitsAgainWhenOneCloses()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?> { ["AgentPulse:MaxConnections"] = "3" });
        var closed = Meters.ConnectionsClosed(server);
        var clients = new List<RawClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var client = await RawClient.ConnectAsync(server.WebSocketUri());
                clients.Add(client);
                Assert.Equal("session.welcome", (await client.ReceiveFrameAsync()).Str("type"));
                Assert.Equal("session.snapshot", (await client.ReceiveFrameAsync()).Str("type"));
            }
            using var http = server.CreateHttpClient();

            using (var refused = await Upgrade.SendAsync(http))
            {
                // Checked before the body is read: the body of an accepted upgrade is the socket.
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                var problem = await Api.ProblemAsync(refused, HttpStatusCode.ServiceUnavailable);
                Assert.Contains("3 connections", problem.Str("detail"), StringComparison.Ordinal);
                Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {refused.Headers.RetryAfter}");
            }

            Assert.Equal("ok", await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)));
            using var published = await http.PostAsync(new Uri("/api/events", UriKind.Relative),
                new StringContent("""{"type":"agent.note","source":"/publishers/tests","id":"n1"}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, published.StatusCode);
            foreach (var client in clients)
            {
                Assert.Equal("n1", (await client.ReceiveFrameAsync()).Str("id"));
            }

            await clients[0].DisposeAsync();
            clients.RemoveAt(0);
            await closed.ReadAsync().AsTask().WaitAsync(Wait);
            var admitted = await RawClient.ConnectAsync(server.WebSocketUri());
            clients.Add(admitted);
            Assert.Equal("session.welcome", (await admitted.ReceiveFrameAsync()).Str("type"));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Caps_FollowTheOpenFileLimit_UnlessConfigured()
    {
        var budget = ConnectionBudget.ForThisProcess;
        Assert.NotNull(budget.OpenFileLimit); // Linux: read with getrlimit
        await using (var server = await RunningServer.StartAsync())
        {
            Assert.Equal(budget.HttpConnections, server.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MaxConcurrentConnections);
            Assert.Equal(budget.WebSockets, server.Services.GetRequiredService<IOptions<AgentPulseOptions>>().Value.MaxConnections);
        }
        await using (var server = await RunningServer.StartAsync(new Dictionary<string, string?>
        {
            ["Kestrel:Limits:MaxConcurrentConnections"] = "77",
            ["AgentPulse:MaxConnections"] = "55",
        }))
        {
            Assert.Equal(77, server.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MaxConcurrentConnections);
            Assert.Equal(55, server.Services.GetRequiredService<IOptions<AgentPulseOptions>>().Value.MaxConnections);
        }
    }
}
