using System.Text;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace AgentPulse.EndToEnd.Tests;

/// <summary>The files the tests upload, made here.</summary>
internal static class Files
{
    /// <summary>A Markdown file big enough that its indexing takes a while (many chunks), with <paramref name="word"/> in it.</summary>
    public static FilePayload Markdown(string name, string word, int paragraphs = 3000)
    {
        var text = new StringBuilder("# Field notes\n\n");
        for (var i = 0; i < paragraphs; i++)
        {
            text.Append("## Entry ").Append(i).Append("\n\nThe agents indexed shelf ").Append(i)
                .Append(" of the archive while the operators watched the dashboard. ");
            if (i % 500 == 0)
            {
                text.Append("A ").Append(word).Append(" was sighted near the north tower. ");
            }
            text.Append("Nothing else of note happened on this shelf, and the log moved on to the next one.\n\n");
        }
        return new FilePayload { Name = name, MimeType = "text/markdown", Buffer = Encoding.UTF8.GetBytes(text.ToString()) };
    }

    /// <summary>A real PDF of a few pages, with <paramref name="word"/> on its first page.</summary>
    public static FilePayload Pdf(string name, string word)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        for (var p = 0; p < 3; p++)
        {
            var page = builder.AddPage(PageSize.A4);
            var y = 780.0;
            for (var line = 0; line < 40; line++)
            {
                var text = p == 0 && line == 3
                    ? $"The quarterly report mentions the {word} program by name."
                    : $"Page {p + 1}, line {line + 1}: the agents summarised the findings of the survey.";
                page.AddText(text, 11, new PdfPoint(40, y), font);
                y -= 18;
            }
        }
        return new FilePayload { Name = name, MimeType = "application/pdf", Buffer = builder.Build() };
    }

    /// <summary>A PDF cut short: the server takes it (it starts like a PDF) and its indexing fails.</summary>
    public static FilePayload CorruptPdf(string name)
    {
        var whole = Pdf(name, "broken").Buffer;
        return new FilePayload { Name = name, MimeType = "application/pdf", Buffer = whole[..200] };
    }
}
