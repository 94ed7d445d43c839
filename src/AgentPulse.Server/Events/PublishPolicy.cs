namespace AgentPulse.Server.Events;

/// <summary>
/// Who may publish what through <c>POST /api/events</c>. The sources under <c>/agents</c> are the
/// server's own agents (<c>/agents/indexer</c>, <c>/agents/searcher</c>, and any it adds): they publish
/// in-process, never over HTTP, so no caller may use them and nobody can speak for them.
/// </summary>
internal sealed class PublishPolicy
{
    /// <summary>The path the server's own agents' sources are under.</summary>
    public const string ReservedPath = "/agents";

    /// <summary>Why <paramref name="caller"/> may not publish under <paramref name="source"/>, fit for a person; <c>null</c> when it may.</summary>
    public string? Refusal(HttpContext caller, string source)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return IsReserved(source)
            ? $"The source \"{source}\" is reserved: {ReservedPath}/… are the server's own agents. Publish under a source of your own, such as /publishers/your-agent."
            : null;
    }

    /// <summary>
    /// Whether <paramref name="source"/> is one of the server's own: its path (percent-decoded, before any
    /// <c>?</c> or <c>#</c>) is <c>/agents</c> or under it, in any letter case.
    /// </summary>
    public static bool IsReserved(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        string path;
        try
        {
            path = Uri.UnescapeDataString(source);
        }
        catch (UriFormatException)
        {
            path = source;
        }
        var end = path.AsSpan().IndexOfAny('?', '#');
        var span = (end < 0 ? path.AsSpan() : path.AsSpan(0, end)).TrimEnd('/');
        return span.Equals(ReservedPath, StringComparison.OrdinalIgnoreCase)
            || span.StartsWith(ReservedPath + "/", StringComparison.OrdinalIgnoreCase);
    }
}
