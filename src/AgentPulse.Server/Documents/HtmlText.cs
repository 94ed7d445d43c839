using System.Text;
using AngleSharp.Html;
using AngleSharp.Html.Parser;
using AngleSharp.Html.Parser.Tokens;
using AngleSharp.Text;

namespace AgentPulse.Server.Documents;

/// <summary>
/// The text of an HTML page: its title, then the text of its body, blocks apart, without script,
/// style, head, template or svg.
/// </summary>
/// <remarks>
/// From AngleSharp's tokenizer, not its tree builder: the tree builder looks through the stack of
/// open elements at each tag, so deep nesting costs the square of the depth (30,000 nested divs
/// took 78 s), while the tokens come in time linear in the page and a text needs no tree. The
/// tokenizer's state is switched as the tree builder would for the elements whose content is raw
/// text (script, style, title, textarea, …), so a <c>&lt;div&gt;</c> inside a script stays script.
/// </remarks>
internal static class HtmlText
{
    private static readonly HashSet<string> BlockElements = new(StringComparer.Ordinal)
    {
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table",
        "section", "article", "header", "footer", "main", "nav", "aside", "blockquote", "pre", "hr", "dd", "dt",
    };

    /// <summary>HTML elements whose content is not text: skipped, with everything inside them.</summary>
    private static readonly HashSet<string> Skipped = new(StringComparer.Ordinal) { "template" };

    /// <summary>Foreign elements, skipped whole: inside them tags are not HTML, so nothing switches the tokenizer.</summary>
    private static readonly HashSet<string> Foreign = new(StringComparer.Ordinal) { "svg", "math" };

    /// <summary>What may stand in a head; any other start tag ends it, as the tree builder would.</summary>
    private static readonly HashSet<string> HeadElements = new(StringComparer.Ordinal)
    {
        "base", "basefont", "bgsound", "link", "meta", "title", "noscript", "noframes", "style", "script", "template",
    };

    /// <summary>Elements whose content the tokenizer reads as raw text, and how.</summary>
    private static readonly Dictionary<string, HtmlParseMode> RawText = new(StringComparer.Ordinal)
    {
        ["script"] = HtmlParseMode.Script,
        ["style"] = HtmlParseMode.Rawtext,
        ["xmp"] = HtmlParseMode.Rawtext,
        ["iframe"] = HtmlParseMode.Rawtext,
        ["noembed"] = HtmlParseMode.Rawtext,
        ["noframes"] = HtmlParseMode.Rawtext,
        ["noscript"] = HtmlParseMode.Rawtext,
        ["title"] = HtmlParseMode.RCData,
        ["textarea"] = HtmlParseMode.RCData,
        ["plaintext"] = HtmlParseMode.Plaintext,
    };

    /// <summary>Raw-text elements whose text is kept.</summary>
    private static readonly HashSet<string> KeptRawText = new(StringComparer.Ordinal) { "title", "textarea", "plaintext" };

    public static async Task<string> ConvertAsync(string html, TextParts parts)
    {
        using var source = new TextSource(html);
        var tokenizer = new HtmlTokenizer(source, HtmlEntityProvider.Resolver)
        {
            // Attributes are never text; not keeping them saves the work on a tag with a million.
            ShouldEmitAttribute = (ref _, _) => false,
            SkipComments = true,
            SkipProcessingInstructions = true,
        };
        var text = new Walk();
        while (tokenizer.Get() is { Type: not HtmlTokenType.EndOfFile } token)
        {
            if (text.Take(token) is { } mode)
            {
                tokenizer.State = mode;
            }
            await parts.PassedAsync(source.Index);
        }
        await parts.EndAsync();
        return text.ToString();
    }

    /// <summary>Where the tokens are (head, raw text, a skipped element), and the text so far.</summary>
    private sealed class Walk
    {
        private readonly StringBuilder title = new();
        private readonly StringBuilder body = new();
        private bool inHead;
        private string? raw;
        private string? skipped;
        private int skippedDepth;

        /// <returns>The tokenizer state this token calls for, or <c>null</c> to leave it.</returns>
        public HtmlParseMode? Take(HtmlToken token)
        {
            var name = token.Name;
            switch (token.Type)
            {
                case HtmlTokenType.Character:
                    if (raw == "title")
                    {
                        if (skipped is null)
                        {
                            title.Append(token.Data);
                        }
                    }
                    else if (skipped is null && (raw is null || KeptRawText.Contains(raw)))
                    {
                        // Text that is not blank ends a head, as the tree builder would.
                        inHead &= raw is not null || string.IsNullOrWhiteSpace(token.Data);
                        if (!inHead)
                        {
                            body.Append(token.Data);
                        }
                    }
                    return null;
                case HtmlTokenType.StartTag when skipped is not null && Foreign.Contains(skipped):
                    if (name == skipped && !token.AsTag().IsSelfClosing)
                    {
                        skippedDepth++;
                    }
                    return null;
                case HtmlTokenType.EndTag when skipped is not null && name == skipped:
                    if (--skippedDepth == 0)
                    {
                        skipped = null;
                    }
                    return null;
                case HtmlTokenType.EndTag when name == raw:
                    raw = null;
                    return null;
                case HtmlTokenType.EndTag when name == "head":
                    inHead = false;
                    return null;
                case HtmlTokenType.StartTag when RawText.TryGetValue(name, out var mode):
                    // Even where text is skipped, a script must be read as a script, or a "</template>" in it would count.
                    raw = name;
                    inHead &= HeadElements.Contains(name);
                    return mode;
                case HtmlTokenType.StartTag when skipped is not null:
                    if (name == skipped)
                    {
                        skippedDepth++;
                    }
                    return null;
                case HtmlTokenType.StartTag when name == "head":
                    inHead = true;
                    return null;
                case HtmlTokenType.StartTag when Foreign.Contains(name) || Skipped.Contains(name):
                    inHead &= HeadElements.Contains(name);
                    if (!(Foreign.Contains(name) && token.AsTag().IsSelfClosing))
                    {
                        skipped = name;
                        skippedDepth = 1;
                    }
                    return null;
                case HtmlTokenType.StartTag when inHead && HeadElements.Contains(name):
                    return null;
                case HtmlTokenType.StartTag:
                    inHead = false;
                    if (BlockElements.Contains(name))
                    {
                        body.Append("\n\n");
                    }
                    return null;
                case HtmlTokenType.EndTag when skipped is null && BlockElements.Contains(name):
                    body.Append("\n\n");
                    return null;
                default:
                    return null;
            }
        }

        public override string ToString()
        {
            var heading = title.ToString().Trim();
            return heading.Length > 0 ? heading + "\n\n" + body : body.ToString();
        }
    }
}
