using System.Text;

namespace AgentPulse.Server.Documents;

/// <summary>
/// Cuts text into passages of about <c>targetChars</c>, preferring to end at a paragraph, then a
/// sentence, then a space, so snippets read well. Whitespace inside a chunk is folded to single spaces.
/// </summary>
internal static class Chunker
{
    public static List<string> Split(string text, int targetChars)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chunks = new List<string>();
        var position = 0;
        while (position < text.Length)
        {
            var remaining = text.Length - position;
            int end;
            if (remaining <= targetChars + targetChars / 4)
            {
                end = text.Length;
            }
            else
            {
                var window = text.AsSpan(position, targetChars);
                var min = targetChars / 2;
                var cut = window.LastIndexOf("\n\n");
                if (cut < min)
                {
                    cut = LastSentenceEnd(window);
                }
                if (cut < min)
                {
                    cut = window.LastIndexOfAny(' ', '\n', '\t');
                }
                end = position + (cut < min ? targetChars : cut + 1);
            }
            var chunk = Fold(text.AsSpan(position, end - position));
            if (chunk.Length > 0)
            {
                chunks.Add(chunk);
            }
            position = end;
        }
        return chunks;
    }

    private static int LastSentenceEnd(ReadOnlySpan<char> window)
    {
        for (var i = window.Length - 2; i >= 0; i--)
        {
            if (window[i] is '.' or '!' or '?' && char.IsWhiteSpace(window[i + 1]))
            {
                return i + 1;
            }
        }
        return -1;
    }

    private static string Fold(ReadOnlySpan<char> span)
    {
        var builder = new StringBuilder(span.Length);
        var space = false;
        foreach (var c in span)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = builder.Length > 0;
                continue;
            }
            if (space)
            {
                builder.Append(' ');
                space = false;
            }
            builder.Append(c);
        }
        return builder.ToString();
    }
}
