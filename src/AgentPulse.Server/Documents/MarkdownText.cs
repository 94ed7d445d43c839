using System.Text;

namespace AgentPulse.Server.Documents;

/// <summary>
/// The words of a Markdown text without its markup, so that snippets read as prose: heading,
/// quote and list markers, emphasis, code fences, rules, link and image syntax (their text stays).
/// </summary>
/// <remarks>
/// One pass over each line, in time linear in the length of the text whatever it holds: no regex
/// and no backtracking (a line of <c>*a *a *a …</c> once took minutes), and no Markdown parser
/// either, since Markdig 1.6 is quadratic on some inputs (<c>[a](b</c> repeated: 400 KB in 38 s).
/// An index needs the words, not the document's structure, so delimiters are dropped where they
/// stand at a word's edge instead of being paired.
/// </remarks>
internal static class MarkdownText
{
    /// <summary>Converts <paramref name="markdown"/>, checking for cancellation and reporting each part passed.</summary>
    public static async Task<string> ConvertAsync(string markdown, TextParts parts)
    {
        var output = new StringBuilder(markdown.Length);
        var line = new LineConverter();
        var fence = default(Fence);
        var position = 0;
        while (position <= markdown.Length)
        {
            var end = markdown.IndexOf('\n', position);
            if (end < 0)
            {
                end = markdown.Length;
            }
            var text = markdown.AsSpan(position, end - position).TrimEnd('\r');
            if (position > 0)
            {
                output.Append('\n');
            }
            if (fence.Char != 0)
            {
                if (Fence.Of(text) is { } closing && closing.Char == fence.Char && closing.Length >= fence.Length && closing.RestIsBlank)
                {
                    fence = default;
                }
                else
                {
                    output.Append(text);
                }
            }
            else if (Fence.Of(text) is { } opening)
            {
                fence = opening;
            }
            else if (!IsRule(text))
            {
                line.Convert(StripPrefixes(text), output);
            }
            position = end + 1;
            await parts.PassedAsync(position);
        }
        await parts.EndAsync();
        return output.ToString();
    }

    private static bool IsAsciiPunctuation(char c) => c is > ' ' and < '\x7f' && !char.IsAsciiLetterOrDigit(c);

    /// <summary>A thematic break (<c>---</c>, <c>***</c>, <c>___</c>) or a setext underline (<c>===</c>).</summary>
    private static bool IsRule(ReadOnlySpan<char> line)
    {
        var marks = 0;
        foreach (var c in line)
        {
            if (c is '-' or '*' or '_' or '=')
            {
                marks++;
            }
            else if (c is not (' ' or '\t'))
            {
                return false;
            }
        }
        return marks >= 3;
    }

    /// <summary>Drops the indentation, quote markers (nested too), a list marker and a heading's hashes.</summary>
    private static ReadOnlySpan<char> StripPrefixes(ReadOnlySpan<char> line)
    {
        line = line.TrimStart(" \t");
        while (line.StartsWith('>'))
        {
            line = line[1..].TrimStart(" \t");
        }
        if (line.Length >= 2 && line[0] is '-' or '*' or '+' && line[1] is ' ' or '\t')
        {
            line = line[2..].TrimStart(" \t");
        }
        else
        {
            var digits = 0;
            while (digits < line.Length && digits < 9 && char.IsAsciiDigit(line[digits]))
            {
                digits++;
            }
            if (digits > 0 && line.Length > digits + 1 && line[digits] is '.' or ')' && line[digits + 1] is ' ' or '\t')
            {
                line = line[(digits + 2)..].TrimStart(" \t");
            }
        }
        var hashes = 0;
        while (hashes < line.Length && line[hashes] == '#')
        {
            hashes++;
        }
        if (hashes is >= 1 and <= 6 && (hashes == line.Length || line[hashes] is ' ' or '\t'))
        {
            line = line[hashes..].Trim(" \t");
            // A closing sequence of hashes, as in "## Title ##".
            var closing = line.TrimEnd('#');
            if (closing.Length < line.Length && (closing.Length == 0 || closing[^1] is ' ' or '\t'))
            {
                line = closing.TrimEnd(" \t");
            }
        }
        return line;
    }

    /// <summary>A code fence: three or more backticks or tildes, up to three spaces in.</summary>
    private readonly record struct Fence(char Char, int Length, bool RestIsBlank)
    {
        public static Fence? Of(ReadOnlySpan<char> line)
        {
            var indent = 0;
            while (indent < line.Length && indent < 4 && line[indent] == ' ')
            {
                indent++;
            }
            if (indent > 3 || indent == line.Length || line[indent] is not ('`' or '~'))
            {
                return null;
            }
            var c = line[indent];
            var length = 0;
            while (indent + length < line.Length && line[indent + length] == c)
            {
                length++;
            }
            return length >= 3 ? new Fence(c, length, line[(indent + length)..].IsWhiteSpace()) : null;
        }
    }

    /// <summary>
    /// The inline markup of one line. Linear: a link's <c>[</c> is only known to be one at its
    /// <c>](</c>, so the positions of open brackets are kept on a stack and the ones that turn out
    /// to open links are left out when the line is copied, never removed from the middle of it.
    /// </summary>
    private sealed class LineConverter
    {
        private readonly StringBuilder line = new();
        private readonly Stack<(int Bracket, int Bang)> open = new();
        private readonly List<int> dropped = [];

        public void Convert(ReadOnlySpan<char> text, StringBuilder output)
        {
            line.Clear();
            open.Clear();
            dropped.Clear();
            // Where the next ')' is, searched for at most once per stretch of the line.
            var nextClose = -1;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                switch (c)
                {
                    case '\\' when i + 1 < text.Length && IsAsciiPunctuation(text[i + 1]):
                        line.Append(text[++i]);
                        break;
                    case '`':
                        break;
                    case '[':
                        open.Push((line.Length, i > 0 && text[i - 1] == '!' && line.Length > 0 && line[^1] == '!' ? line.Length - 1 : -1));
                        line.Append('[');
                        break;
                    case ']' when i + 1 < text.Length && text[i + 1] == '(' && open.Count > 0:
                        if (nextClose <= i)
                        {
                            nextClose = text[(i + 2)..].IndexOf(')') is var found and >= 0 ? i + 2 + found : text.Length;
                        }
                        if (nextClose == text.Length)
                        {
                            line.Append(']');
                            break;
                        }
                        var (bracket, bang) = open.Pop();
                        dropped.Add(bracket);
                        if (bang >= 0)
                        {
                            dropped.Add(bang);
                        }
                        i = nextClose;
                        break;
                    case '*' or '_' or '~':
                        var run = 1;
                        while (i + run < text.Length && text[i + run] == c)
                        {
                            run++;
                        }
                        var before = i > 0 ? text[i - 1] : ' ';
                        var after = i + run < text.Length ? text[i + run] : ' ';
                        // Inside a word (snake_case, 2*3) or alone between spaces (2 * 3) it is text.
                        var inWord = char.IsLetterOrDigit(before) && char.IsLetterOrDigit(after);
                        var alone = char.IsWhiteSpace(before) && char.IsWhiteSpace(after);
                        if (inWord || alone)
                        {
                            line.Append(c, run);
                        }
                        i += run - 1;
                        break;
                    default:
                        line.Append(c);
                        break;
                }
            }
            if (dropped.Count == 0)
            {
                output.Append(line);
                return;
            }
            dropped.Sort();
            var from = 0;
            foreach (var at in dropped)
            {
                output.Append(line, from, at - from);
                from = at + 1;
            }
            output.Append(line, from, line.Length - from);
        }
    }
}
