using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentPulse.Server.Tasks;
using AgentPulse.Server.Tests;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;
using static AgentPulse.Redis.Tests.Collect;

namespace AgentPulse.Redis.Tests;

/// <summary>The agents while Redis is away: their publishes retry, then their task fails with a reason, never silence.</summary>
public sealed class AgentsOnRedisTests
{
    [Fact]
    public async Task RedisUnreachable_ATaskRetriesItsEvents_ThenFailsSayingWhy_AndItsFailureReachesClientsWhenRedisIsBack()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        var gate = new TaskGate { Holds = c => c.Stage == "running" };
        await using var server = await RunningServer.StartAsync(
            new Dictionary<string, string?>
            {
                ["AgentPulse:Redis:Configuration"] = redis.Configuration,
                ["AgentPulse:Redis:KeyPrefix"] = TestRedis.NewPrefix(),
                ["AgentPulse:HeartbeatInterval"] = "00:00:01",
                ["Tasks:PublishRetryTime"] = "00:00:01",
            },
            configure: builder => builder.Services.AddSingleton<ITaskCheckpoints>(gate));
        await using var client = await RawClient.ConnectAsync(server.WebSocketUri("types=task.*"));
        await client.HandshakeAsync();
        using var http = server.CreateHttpClient();

        using var accepted = await http.PostAsJsonAsync("api/search", new { query = "agents" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var body = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        var (searchId, taskId) = (body.GetProperty("searchId").GetString()!, body.GetProperty("taskId").GetString()!);
        await gate.WaitForHeldAsync(1);
        Assert.Equal("task.started", (await client.ReceiveFrameAsync(WaitLimit)).Type());

        await redis.KillAsync();
        gate.Open();

        // Its next event cannot be stored: retried for a second, then the task fails, and says why.
        var search = await http.GetFromJsonAsync<JsonElement>($"api/search/{searchId}");
        for (var beat = 0; beat < 30 && search.GetProperty("status").GetString() != "failed"; beat++)
        {
            Assert.Equal("session.heartbeat", (await client.ReceiveAsync(WaitLimit))!.Value.Type());
            search = await http.GetFromJsonAsync<JsonElement>($"api/search/{searchId}");
        }
        Assert.Equal(TaskRunner.EventsUnavailableCode, search.GetProperty("error").GetProperty("code").GetString());
        Assert.StartsWith("The server could not store this task's events", search.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        // A task that cannot even start is refused: 503, with when to come back.
        using var refused = await http.PostAsJsonAsync("api/search", new { query = "agents" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("1", refused.Headers.RetryAfter!.ToString());

        // Once Redis is back, the task's last event goes out: no page shows it running for ever.
        await redis.RestartAsync(empty: false);
        var failed = await client.ReceiveFrameAsync(WaitLimit);
        Assert.Equal("task.failed", failed.Type());
        Assert.Equal(taskId, failed.Data().GetProperty("taskId").GetString());
        Assert.Equal(TaskRunner.EventsUnavailableCode, failed.Data().GetProperty("error").GetProperty("code").GetString());
    }
}
