using System.Net;

namespace AgentPulse.Web;

/// <summary>One piece of a search snippet: text, highlighted or not.</summary>
/// <param name="Text">The text, decoded: render it as text, never as markup.</param>
/// <param name="Highlighted">Whether it was inside <c>&lt;mark&gt;</c>.</param>
public sealed record SnippetPart(string Text, bool Highlighted);

/// <summary>
/// Reads the server's snippets (HTML-escaped text with matches in <c>&lt;mark&gt;</c>) into parts that
/// the page renders as text and <c>&lt;mark&gt;</c> elements, so no server text is ever taken as markup.
/// </summary>
public static class Snippet
{
    private const string Open = "<mark>";
    private const string Close = "</mark>";

    /// <summary>The parts of <paramref name="snippet"/>, in order; empty parts are left out.</summary>
    public static IReadOnlyList<SnippetPart> Parse(string? snippet)
    {
        var parts = new List<SnippetPart>();
        if (string.IsNullOrEmpty(snippet))
        {
            return parts;
        }
        var position = 0;
        while (position < snippet.Length)
        {
            var open = snippet.IndexOf(Open, position, StringComparison.OrdinalIgnoreCase);
            if (open < 0)
            {
                Add(snippet[position..], highlighted: false);
                break;
            }
            Add(snippet[position..open], highlighted: false);
            var start = open + Open.Length;
            var close = snippet.IndexOf(Close, start, StringComparison.OrdinalIgnoreCase);
            if (close < 0)
            {
                Add(snippet[start..], highlighted: true);
                break;
            }
            Add(snippet[start..close], highlighted: true);
            position = close + Close.Length;
        }
        return parts;

        void Add(string escaped, bool highlighted)
        {
            if (escaped.Length > 0)
            {
                parts.Add(new SnippetPart(WebUtility.HtmlDecode(escaped), highlighted));
            }
        }
    }
}
