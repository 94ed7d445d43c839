using System.Text.Json;
using AgentPulse.Testing;

namespace AgentPulse.AspNetCore.Tests;

internal static class Collect
{
    public static string Type(this JsonElement frame) => frame.GetProperty("type").GetString()!;

    public static JsonElement Data(this JsonElement frame) => frame.GetProperty("data");

    public static long Seq(this JsonElement frame) => frame.GetProperty("seq").GetInt64();

    /// <summary>Reads welcome (and snapshot when not recovered) and returns the welcome's data.</summary>
    public static async Task<JsonElement> HandshakeAsync(this RawClient client)
    {
        var welcome = await client.ReceiveFrameAsync();
        Assert.Equal("session.welcome", welcome.Type());
        if (!welcome.Data().GetProperty("recovered").GetBoolean())
        {
            Assert.Equal("session.snapshot", (await client.ReceiveFrameAsync()).Type());
        }
        return welcome.Data();
    }

    /// <summary>Reads event frames (skipping session frames) until <paramref name="count"/> arrived.</summary>
    public static async Task<List<JsonElement>> EventsAsync(this RawClient client, int count)
    {
        var events = new List<JsonElement>(count);
        while (events.Count < count)
        {
            var frame = await client.ReceiveFrameAsync();
            if (!frame.Type().StartsWith("session.", StringComparison.Ordinal))
            {
                events.Add(frame);
            }
        }
        return events;
    }
}
