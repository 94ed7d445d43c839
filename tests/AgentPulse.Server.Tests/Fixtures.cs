using System.Text;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace AgentPulse.Server.Tests;

/// <summary>Real files for the tests: a text of some length, HTML, Markdown, PDFs made with PdfPig's builder.</summary>
internal static class Fixtures
{
    /// <summary>About 4 KB of prose that says "agent" (never the plural), so a search for "agents" must stem to find it.</summary>
    public const string LongText = """
        The Night Shift

        At ten past eleven the office emptied and the agent began its rounds. Nobody had asked it to be
        polite, but it had learned that people slept better when the work of the night was written down
        plainly, so it kept a journal. Each entry began with the time and ended with a short sentence about
        what had changed. The first entry of the night was always the same: the building is quiet, the
        queue is long, the coffee machine is off.

        The queue held the documents that people had dropped into the shared folder during the day. There
        were contracts with clauses that nobody had read, minutes of meetings that had run over, and a
        surprising number of recipes. The agent did not judge. It opened each file, read it from the first
        page to the last, cut the text into passages of a comfortable length, and filed every passage in
        the index so that it could be found again in the morning. A contract was no more important than a
        recipe for lemon cake; both deserved to be found.

        Some files resisted. A scanned letter held nothing but pictures of words, and the agent wrote in its
        journal that page two of the letter could not be read, because that was the truth and because the
        person who uploaded it would want to know which page to scan again. A spreadsheet pretending to be
        a text file was turned away at the door. The agent had learned long ago that a clear refusal at the
        start is kinder than a mysterious failure at the end.

        Around two in the morning the power flickered. The lights in the corridor dimmed and came back, and
        the server that carried the agent restarted. When it woke, the first thing the agent did was look at
        what it had been doing. One document had been half filed: some of its passages were in the index and
        some were not. A half-filed document is worse than none, because a search finds the first half and
        never the second, and the person searching never learns what is missing. So the agent removed every
        passage of that document, marked it as interrupted, and left a note saying that it could be filed
        again with one click. Every other document was exactly where it had been.

        By four the queue was short. The agent liked this hour best. The work was mostly small: a memo about
        parking, a list of birthdays, a draft of a speech that used the word synergy eleven times. It filed
        them all. It reported its progress as it went, never faster than anyone could read and never slower
        than anyone would worry, a steady line creeping from left to right across a screen that nobody was
        watching.

        At six the first people arrived. The woman from accounting searched for the lemon cake recipe before
        she took off her coat, and the agent found it for her in a fraction of a second, with the words she
        had typed marked in yellow so that her eye went straight to them. She did not know that an agent had
        spent the night reading. She only knew that the thing she looked for was there, which is all that a
        good night shift ever wants anyone to know.

        The agent closed its journal with the usual last line: the building is waking, the queue is empty,
        somebody has turned the coffee machine on.
        """;

    public const string GardenHtml = """
        <!DOCTYPE html>
        <html lang="en">
        <head><title>Winter Garden Notes</title><style>body { color: green; }</style><script>var secret = "zebra";</script></head>
        <body>
          <h1>Winter garden</h1>
          <p>Cover the <b>tulip</b> bulbs with straw before the first frost, and water the roses only at noon.</p>
          <p>Prune the apple trees while they sleep; the cuts heal cleaner in the cold &amp; dry weeks.</p>
        </body>
        </html>
        """;

    public const string BakingMarkdown = """
        # Sourdough at home

        Feed the **starter** the night before. Mix flour, water and salt, then fold the dough every half hour.

        - Bake at 250 degrees with steam for twenty minutes.
        - Lower the oven and bake until the crust sings.
        """;

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary><paramref name="pattern"/> repeated to at least <paramref name="chars"/> characters.</summary>
    public static string Repeat(string pattern, int chars) =>
        new StringBuilder(chars + pattern.Length).Insert(0, pattern, (chars + pattern.Length - 1) / pattern.Length).ToString();

    /// <summary>A real PDF with one page per entry of <paramref name="pages"/>, lines wrapped at about 80 characters.</summary>
    public static byte[] Pdf(params string[] pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var text in pages)
        {
            var page = builder.AddPage(PageSize.A4);
            var y = 800.0;
            foreach (var line in Wrap(text, 80))
            {
                page.AddText(line, 11, new PdfPoint(40, y), font);
                y -= 14;
            }
        }
        return builder.Build();
    }

    private static IEnumerable<string> Wrap(string text, int width)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length + word.Length + 1 > width && line.Length > 0)
            {
                yield return line.ToString();
                line.Clear();
            }
            line.Append(line.Length > 0 ? " " : "").Append(word);
        }
        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }
}
