using System.ComponentModel.DataAnnotations;

namespace AgentPulse.Server.Search;

/// <summary>Options of search (configuration section <c>Search</c>). Validated at start.</summary>
public sealed class SearchOptions
{
    /// <summary>How many results a search returns when the request gives no <c>top</c> (default: 10).</summary>
    [Range(1, 1000)]
    public int DefaultTop { get; set; } = 10;

    /// <summary>The most results a search may ask for (default: 100).</summary>
    [Range(1, 10_000)]
    public int MaxTop { get; set; } = 100;

    /// <summary>The longest query, in characters (default: 1000).</summary>
    [Range(1, 100_000)]
    public int MaxQueryChars { get; set; } = 1000;
}
