using System.Text;
using AgentPulse.Server.Tasks;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace AgentPulse.Server.Documents;

/// <summary>
/// The text of a PDF, page by page (PdfPig's <see cref="ContentOrderTextExtractor"/>), its streams
/// decoded within a <see cref="DecodeBudget"/>; cancellation is checked between pages.
/// </summary>
internal static class PdfText
{
    public static async Task<string> ExtractAsync(string path, string name, DecodeBudget budget, Func<int, int, ValueTask> onPage, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        PdfDocument pdf;
        try
        {
            pdf = PdfDocument.Open(path, new ParsingOptions { FilterProvider = budget.Provider });
        }
        catch (PdfDocumentEncryptedException ex)
        {
            throw new TaskFailureException("unreadable", $"{name} is protected by a password, so it cannot be read.", false, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Unreadable($"{name} could not be read: the PDF is damaged.", ex);
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
                throw Unreadable($"{name} could not be read: the PDF is damaged.", ex);
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
                    throw Unreadable($"page {number} of {name} could not be read.", ex);
                }
                // PdfPig reads some streams leniently and may have swallowed the budget's exception.
                if (budget.Exceeded)
                {
                    throw TooLarge();
                }
                await onPage(number, pages);
            }
            return builder.ToString();
        }

        // Whatever PdfPig made of it, a stream over the budget is the reason.
        Exception Unreadable(string message, Exception ex) =>
            budget.Exceeded ? TooLarge(ex) : new TaskFailureException("unreadable", message, false, ex);

        TaskFailureException TooLarge(Exception? ex = null) => new(
            "too_large",
            $"{name} decodes to more than {Describe.Size(budget.MaxBytes)}, the most AgentPulse reads from one document (it may be a decompression bomb).",
            false,
            ex);
    }
}
