using System.Text;
using AgentPulse.Server.Tasks;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace AgentPulse.Server.Documents;

/// <summary>
/// Gets the text out of a stored file. What cannot be read ends the task with
/// <see cref="TaskFailureException"/> and a message a person understands.
/// </summary>
internal static partial class TextExtractor
{
    private static readonly HashSet<string> BlockElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table",
        "section", "article", "header", "footer", "main", "nav", "aside", "blockquote", "pre", "hr", "dd", "dt", "title",
    };

    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "svg", "head",
    };

    /// <summary>Reports page by page for a PDF (<paramref name="onPage"/> gets page and page count).</summary>
    public static async Task<string> ExtractAsync(string path, string contentType, string name, Func<int, int, ValueTask> onPage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onPage);
        switch (contentType)
        {
            case DocumentTypes.Pdf:
                return await ExtractPdfAsync(path, name, onPage, cancellationToken);
            case DocumentTypes.Html:
                var html = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
                await onPage(1, 1);
                return HtmlToText(html);
            case DocumentTypes.Markdown:
                var markdown = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
                await onPage(1, 1);
                return MarkdownToText(markdown);
            default:
                var text = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
                await onPage(1, 1);
                return text;
        }
    }

    /// <summary>
    /// The words of a Markdown text without its markup, so that snippets read as prose: heading
    /// and list markers, emphasis, code fences, link and image syntax (the link text stays).
    /// </summary>
    internal static string MarkdownToText(string markdown)
    {
        var text = MarkdownFence().Replace(markdown, "");
        text = MarkdownImage().Replace(text, "$1");
        text = MarkdownLink().Replace(text, "$1");
        text = MarkdownLinePrefix().Replace(text, "");
        text = MarkdownEmphasis().Replace(text, "$2");
        text = MarkdownRule().Replace(text, "");
        return text;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[ \t]*(```|~~~).*$", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex MarkdownFence();

    [System.Text.RegularExpressions.GeneratedRegex(@"!\[([^\]]*)\]\([^)]*\)")]
    private static partial System.Text.RegularExpressions.Regex MarkdownImage();

    [System.Text.RegularExpressions.GeneratedRegex(@"\[([^\]]+)\]\([^)]*\)")]
    private static partial System.Text.RegularExpressions.Regex MarkdownLink();

    [System.Text.RegularExpressions.GeneratedRegex(@"^[ \t]*(#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d+[.)][ \t]+)", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex MarkdownLinePrefix();

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<!\w)(\*\*|__|\*|_|`)(\S(?:.*?\S)?)\1(?!\w)")]
    private static partial System.Text.RegularExpressions.Regex MarkdownEmphasis();

    [System.Text.RegularExpressions.GeneratedRegex(@"^[ \t]*([-*_][ \t]*){3,}$", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex MarkdownRule();

    internal static string HtmlToText(string html)
    {
        var document = new HtmlParser().ParseDocument(html);
        var builder = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(document.Title))
        {
            builder.Append(document.Title.Trim()).Append("\n\n");
        }
        if (document.Body is { } body)
        {
            Walk(body, builder);
        }
        return builder.ToString();
    }

    private static void Walk(INode node, StringBuilder builder)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText text:
                    builder.Append(text.Data);
                    break;
                case IElement element when Skipped.Contains(element.LocalName):
                    break;
                case IElement element:
                    var block = BlockElements.Contains(element.LocalName);
                    if (block)
                    {
                        builder.Append("\n\n");
                    }
                    Walk(element, builder);
                    if (block)
                    {
                        builder.Append("\n\n");
                    }
                    break;
            }
        }
    }

    private static async Task<string> ExtractPdfAsync(string path, string name, Func<int, int, ValueTask> onPage, CancellationToken cancellationToken)
    {
        PdfDocument pdf;
        try
        {
            pdf = PdfDocument.Open(path);
        }
        catch (PdfDocumentEncryptedException ex)
        {
            throw new TaskFailureException("unreadable", $"{name} is protected by a password, so it cannot be read.", false, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new TaskFailureException("unreadable", $"{name} could not be read: the PDF is damaged.", false, ex);
        }
        using (pdf)
        {
            int pages;
            try
            {
                pages = pdf.NumberOfPages;
            }
            catch (Exception ex)
            {
                throw new TaskFailureException("unreadable", $"{name} could not be read: the PDF is damaged.", false, ex);
            }
            if (pages == 0)
            {
                throw new TaskFailureException("unreadable", $"{name} has no pages.");
            }
            var builder = new StringBuilder();
            for (var number = 1; number <= pages; number++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    var page = pdf.GetPage(number);
                    builder.Append(ContentOrderTextExtractor.GetText(page)).Append("\n\n");
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    throw new TaskFailureException("unreadable", $"page {number} of {name} could not be read.", false, ex);
                }
                await onPage(number, pages);
            }
            return builder.ToString();
        }
    }
}
