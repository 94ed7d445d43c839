using System.Text;
using System.Text.Unicode;

namespace AgentPulse.Server.Documents;

/// <summary>The kinds of file the indexer reads.</summary>
public static class DocumentTypes
{
    public const string Pdf = "application/pdf";
    public const string Html = "text/html";
    public const string Markdown = "text/markdown";
    public const string Text = "text/plain";

    /// <summary>The extension of the server-made file name.</summary>
    public static string ExtensionOf(string contentType) => contentType switch
    {
        Pdf => ".pdf",
        Html => ".html",
        Markdown => ".md",
        _ => ".txt",
    };
}

/// <summary>
/// Tells the type of an upload from its content: a PDF starts with <c>%PDF-</c>; anything else
/// must be valid UTF-8 without NUL bytes, and is HTML when it starts like HTML, Markdown when
/// named <c>.md</c>/<c>.markdown</c>, plain text otherwise. The extension alone never decides.
/// </summary>
internal static class ContentSniffer
{
    private static readonly string[] HtmlStarts =
    [
        "<!doctype html", "<html", "<head", "<body", "<title", "<meta", "<p>", "<p ", "<div", "<h1", "<h2", "<h3",
        "<table", "<article", "<section", "<main", "<!--",
    ];

    /// <summary>The type, or an explanation (for a person) of why the content cannot be read.</summary>
    public static (string? ContentType, string? Refusal) Sniff(ReadOnlySpan<byte> content, string name)
    {
        var extension = Path.GetExtension(name).ToLowerInvariant();
        if (IsPdf(content))
        {
            return (DocumentTypes.Pdf, null);
        }
        if (extension == ".pdf")
        {
            return (null, $"{name} is named as a PDF but its content is not a PDF.");
        }
        if (content.Contains((byte)0) || !Utf8.IsValid(content))
        {
            return (null, $"{name} is not a file AgentPulse can read: send text, Markdown, HTML or PDF (text must be UTF-8).");
        }
        if (LooksLikeHtml(content) || (extension is ".html" or ".htm" && StartsWithTag(content)))
        {
            return (DocumentTypes.Html, null);
        }
        if (extension is ".md" or ".markdown")
        {
            return (DocumentTypes.Markdown, null);
        }
        return (DocumentTypes.Text, null);
    }

    // A PDF header may follow a little junk; readers look within the first 1024 bytes.
    private static bool IsPdf(ReadOnlySpan<byte> content) =>
        content[..Math.Min(content.Length, 1024)].IndexOf("%PDF-"u8) >= 0;

    private static bool LooksLikeHtml(ReadOnlySpan<byte> content)
    {
        var start = Start(content);
        return HtmlStarts.Any(s => start.StartsWith(s, StringComparison.OrdinalIgnoreCase));
    }

    private static bool StartsWithTag(ReadOnlySpan<byte> content) => Start(content).StartsWith('<');

    private static string Start(ReadOnlySpan<byte> content)
    {
        var head = content[..Math.Min(content.Length, 512)];
        if (head.StartsWith("\uFEFF"u8))
        {
            head = head[3..];
        }
        // Cut at a character boundary: the head may end mid-character.
        var text = Encoding.UTF8.GetString(head);
        return text.TrimStart();
    }
}
