using System.Text;
using AgentPulse.Server.Tasks;

namespace AgentPulse.Server.Documents;

/// <summary>
/// Gets the text out of a stored file, in time linear in its size for text, Markdown and HTML, and
/// in a process of its own for a PDF (<see cref="PdfProcess"/>). Honours cancellation between parts
/// (64 K characters of a text) and at once for a PDF; what cannot be read ends the task with
/// <see cref="TaskFailureException"/> and a message a person understands.
/// </summary>
internal sealed class TextExtractor(PdfProcess pdf)
{
    /// <summary>Reports each part done (<paramref name="onPart"/> gets the part and the number of parts: pages of a PDF, slices of a text).</summary>
    public async Task<string> ExtractAsync(string path, string contentType, string name, Func<int, int, ValueTask> onPart, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onPart);
        if (contentType == DocumentTypes.Pdf)
        {
            return await pdf.ExtractAsync(path, name, onPart, cancellationToken);
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
