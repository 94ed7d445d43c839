using AgentPulse.Server.Tasks;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace AgentPulse.Server.Documents;

/// <summary>
/// The text of a PDF, page by page (PdfPig's <see cref="ContentOrderTextExtractor"/>), its streams
/// decoded within a <see cref="DecodeBudget"/>; cancellation is checked between pages. Runs in the
/// process <see cref="PdfProcess"/> starts for each PDF.
/// </summary>
internal static class PdfText
{
    /// <summary>Reads the pages in order; <paramref name="onPage"/> gets each page's number, the number of pages and its text.</summary>
    public static async Task ReadAsync(string path, string name, DecodeBudget budget, Func<int, int, string, ValueTask> onPage, CancellationToken cancellationToken)
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
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
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
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw Unreadable($"{name} could not be read: the PDF is damaged.", ex);
            }
            if (pages == 0)
            {
                throw new TaskFailureException("unreadable", $"{name} has no pages.");
            }
            for (var number = 1; number <= pages; number++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string text;
                try
                {
                    text = ContentOrderTextExtractor.GetText(pdf.GetPage(number));
                }
                catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
                {
                    throw Unreadable($"page {number} of {name} could not be read.", ex);
                }
                // PdfPig reads some streams leniently and may have swallowed the budget's exception.
                if (budget.Exceeded)
                {
                    throw TooLarge();
                }
                await onPage(number, pages, text);
            }
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
