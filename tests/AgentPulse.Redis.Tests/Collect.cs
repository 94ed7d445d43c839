using System.Text.Json;
using AgentPulse.Protocol;
using AgentPulse.Testing;

namespace AgentPulse.Redis.Tests;

internal static class Collect
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    public static string Type(this JsonElement frame) => frame.GetProperty("type").GetString()!;

    public static JsonElement Data(this JsonElement frame) => frame.GetProperty("data");

    public static long Seq(this JsonElement frame) => frame.GetProperty("seq").GetInt64();

    /// <summary>Reads the welcome (and the snapshot when not recovered) and returns the welcome's data.</summary>
    public static async Task<JsonElement> HandshakeAsync(this RawClient client)
    {
        var welcome = await client.ReceiveFrameAsync(WaitLimit);
        Assert.Equal("session.welcome", welcome.Type());
        if (!welcome.Data().GetProperty("recovered").GetBoolean())
        {
            Assert.Equal("session.snapshot", (await client.ReceiveFrameAsync(WaitLimit)).Type());
        }
        return welcome.Data();
    }

    /// <summary>Reads event frames (skipping session frames) until <paramref name="count"/> arrived; returns their seqs.</summary>
    public static async Task<List<long>> SeqsAsync(this RawClient client, int count)
    {
        var seqs = new List<long>(count);
        while (seqs.Count < count)
        {
            var frame = await client.ReceiveFrameAsync(WaitLimit);
            if (!frame.Type().StartsWith("session.", StringComparison.Ordinal))
            {
                seqs.Add(frame.Seq());
            }
        }
        return seqs;
    }

    /// <summary>Reads until the server closes; returns the close code.</summary>
    public static async Task<int> ClosedAsync(this RawClient client)
    {
        while (await client.ReceiveAsync(WaitLimit) is not null)
        {
        }
        return (int)client.Socket.CloseStatus!;
    }

    public static CloudEvent Note(string id, string source = "/tests/redis") =>
        new() { Id = id, Source = source, Type = "agent.note", Time = DateTimeOffset.UtcNow };

    public static List<long> Range(long first, int count) => Enumerable.Range(0, count).Select(i => first + i).ToList();
}
