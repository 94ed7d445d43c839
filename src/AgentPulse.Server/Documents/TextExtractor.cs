using System.Text;
using AgentPulse.Server.Tasks;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace AgentPulse.Server.Documents;

/// <summary>
/// Gets the text out of a stored file, in time linear in its size for text, Markdown and HTML.
/// Honours cancellation between parts (pages of a PDF, 64 K characters of a text); what cannot
/// be read ends the task with <see cref="TaskFailureException"/> and a message a person understands.
/// </summary>
internal static class TextExtractor
{
    /// <summary>Reports each part done (<paramref name="onPart"/> gets the part and the number of parts: pages of a PDF, slices of a text).</summary>
    public static async Task<string> ExtractAsync(string path, string contentType, string name, Func<int, int, ValueTask> onPart, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onPart);
        if (contentType == DocumentTypes.Pdf)
        {
            return await ExtractPdfAsync(path, name, onPart, cancellationToken);
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
