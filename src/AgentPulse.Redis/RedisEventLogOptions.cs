using System.ComponentModel.DataAnnotations;

namespace AgentPulse.Redis;

/// <summary>
/// Options of the Redis Streams event log. Retention (count and age) is <c>AgentPulseOptions.LogRetentionCount</c>
/// and <c>LogRetentionAge</c>, as for any log. Validated at start.
/// </summary>
public sealed class RedisEventLogOptions
{
    /// <summary>
    /// Where Redis is: a StackExchange.Redis configuration string such as <c>127.0.0.1:6379</c> or
    /// <c>redis.internal:6379,password=…,ssl=true</c> (required; no default).
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string Configuration { get; set; } = "";

    /// <summary>
    /// The prefix of every key the log uses, one stream per deployment: <c>{prefix}:stream</c>,
    /// <c>{prefix}:meta</c> and <c>{prefix}:id:…</c> (braces included, so that in a Redis Cluster they share a
    /// slot). Nodes of one deployment share it; deployments that share a Redis each have their own
    /// (default: "agentpulse"; letters, digits, '.', '_', '-' and ':').
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[A-Za-z0-9._:-]{1,64}$", ErrorMessage = "KeyPrefix may hold letters, digits, '.', '_', '-' and ':' only (1 to 64 of them).")]
    public string KeyPrefix { get; set; } = "agentpulse";

    /// <summary>
    /// How many of the latest events each node also keeps in memory, from which live catch-ups and
    /// recent resumes are served without a round trip to Redis; only older resumes read the stream
    /// (default: 10000; at most the retention count).
    /// </summary>
    [Range(1, 10_000_000)]
    public int MemoryWindow { get; set; } = 10_000;
}
