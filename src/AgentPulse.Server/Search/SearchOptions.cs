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

    /// <summary>The longest query, in characters; a longer one is refused with 400 (default: 1000).</summary>
    [Range(1, 100_000)]
    public int MaxQueryChars { get; set; } = 1000;

    /// <summary>The most words (plain, phrase, fuzzy and prefix terms) in one query; more are refused with 400 (default: 32).</summary>
    [Range(1, 1024)]
    public int MaxQueryTerms { get; set; } = 32;

    /// <summary>
    /// The most fuzzy (<c>word~</c>) and prefix (<c>word*</c>) terms in one query, each of which
    /// matches many words of the index; more are refused with 400 (default: 4).
    /// </summary>
    [Range(0, 1024)]
    public int MaxFuzzyOrPrefixTerms { get; set; } = 4;

    /// <summary>The most edits a fuzzy term may match with (<c>word~2</c> is searched with this many at most); 0 makes <c>~</c> a plain word (default: 1).</summary>
    [Range(0, 2)]
    public int MaxFuzzyEdits { get; set; } = 1;

    /// <summary>The most words a proximity search may allow between its words (<c>"a b"~20</c> is searched with this many at most); 0 makes it an exact phrase (default: 5).</summary>
    [Range(0, 100)]
    public int MaxPhraseSlop { get; set; } = 5;

    /// <summary>The longest a search may take; past it its task fails with code <c>timeout</c> (default: 5 seconds).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan MaxSearchTime { get; set; } = TimeSpan.FromSeconds(5);
}
