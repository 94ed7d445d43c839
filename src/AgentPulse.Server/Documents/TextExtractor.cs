using System.Text;
using AgentPulse.Server.Tasks;

namespace AgentPulse.Server.Documents;

/// <summary>
/// Gets the text out of a stored file, in time linear in its size for text, Markdown and HTML.
/// Honours cancellation between parts (pages of a PDF, 64 K characters of a text); what cannot
/// be read ends the task with <see cref="TaskFailureException"/> and a message a person understands.
/// </summary>
internal static class TextExtractor
{
    /// <summary>Reports each part done (<paramref name="onPart"/> gets the part and the number of parts: pages of a PDF, slices of a text).</summary>
    /// <param name="maxDecodedBytes">For a PDF: how many bytes its streams may decode to, in all.</param>
    public static async Task<string> ExtractAsync(string path, string contentType, string name, long maxDecodedBytes, Func<int, int, ValueTask> onPart, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onPart);
        if (contentType == DocumentTypes.Pdf)
        {
            return await PdfText.ExtractAsync(path, name, new DecodeBudget(maxDecodedBytes), onPart, cancellationToken);
        }
        var text = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
        var parts = new TextParts(text.Length, onPart, cancellationToken);
        switch (contentType)
        {
            case DocumentTypes.Html:
                return await HtmlText.ConvertAsync(text, parts);
            case DocumentTypes.Markdown:
                return await MarkdownText.ConvertAsync(text, parts);
            default:
                await parts.EndAsync();
                return text;
        }
    }
}
