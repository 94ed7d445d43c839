using System.Globalization;
using StackExchange.Redis;

namespace AgentPulse.Redis.Internal;

/// <summary>
/// The keys of one deployment's log. All hold the hash tag <c>{prefix}</c>, so that in a Redis Cluster
/// they share a slot and one script may touch them together.
/// </summary>
internal sealed class StreamKeys(string prefix)
{
    /// <summary>The stream: one entry per event, its id <c>&lt;seq&gt;-0</c>.</summary>
    public RedisKey Stream { get; } = $"{{{prefix}}}:stream";

    /// <summary>A hash: <c>epoch</c>, <c>base</c> (the seq the epoch began after) and <c>seq</c> (the last seq given).</summary>
    public RedisKey Meta { get; } = $"{{{prefix}}}:meta";

    /// <summary>
    /// The key that remembers a producer's event, for idempotency: its source and id, with the epoch
    /// (a repeat in another epoch is a new event). Lengths make it unambiguous whatever the two hold.
    /// </summary>
    public RedisKey Id(string epoch, string source, string id) =>
        string.Create(CultureInfo.InvariantCulture, $"{{{prefix}}}:id:{epoch}:{source.Length}:{source}{id}");
}
