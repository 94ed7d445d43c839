using AgentPulse.Server.Documents;

namespace AgentPulse.Server.Tests;

/// <summary>
/// Markdown and HTML to text. The hostile inputs once took minutes (a line of <c>*a </c> repeated:
/// 40 KB in 8.8 s, 1 MB in about 80 minutes; nested divs in the square of their depth, 30,000 in
/// 5 s, 100,000 in about a minute); the timeouts only keep a regression from hanging the run, the
/// tests assert the text.
/// </summary>
public sealed class TextExtractionTests
{
    private const int Timeout = 60_000;

    [Theory]
    [InlineData("# Field notes\n## Entry 0", "Field notes\nEntry 0")]
    [InlineData("The **agents** indexed _shelf_ `0`.", "The agents indexed shelf 0.")]
    [InlineData("- one\n* two\n1. three\n> quoted", "one\ntwo\nthree\nquoted")]
    [InlineData("See [the guide](https://example.com/g) and ![a chart](c.png).", "See the guide and a chart.")]
    [InlineData("```csharp\nvar x = 1;\n```", "\nvar x = 1;\n")]
    [InlineData("above\n---\nbelow", "above\n\nbelow")]
    [InlineData("snake_case_name and 2 * 3 * 4", "snake_case_name and 2 * 3 * 4")]
    [InlineData("> - nested *quote* item\r\n## Closed heading ##", "nested quote item\nClosed heading")]
    [InlineData("~~~\n# not a heading\n**kept**\n~~~\nafter", "\n# not a heading\n**kept**\n\nafter")]
    [InlineData("[outer [inner](a) text](b) and [a](unclosed and x[0]", "outer inner text and [a](unclosed and x[0]")]
    [InlineData("An \\*escaped\\* star, a ~~strike~~ and a [reference][1].", "An *escaped* star, a strike and a [reference][1].")]
    public async Task Markdown_KeepsTheWordsAndDropsTheMarkup(string markdown, string expected) =>
        Assert.Equal(expected, await MarkdownAsync(markdown));

    [Fact(Timeout = Timeout)]
    public async Task Markdown_OfAMegabyteLineOfUnclosedEmphasis_GivesItsWords()
    {
        var markdown = Fixtures.Repeat("*walrus ", 1 << 20);

        var text = await MarkdownAsync(markdown);

        Assert.Equal(markdown.Replace("*", "", StringComparison.Ordinal), text);
    }

    [Theory(Timeout = Timeout)]
    [InlineData("[a](b")]
    [InlineData("[")]
    [InlineData("![a](")]
    [InlineData("**a _b ")]
    [InlineData("`a``")]
    [InlineData(">")]
    [InlineData("- ")]
    [InlineData("\\")]
    [InlineData("[a]: b\n")]
    public async Task Markdown_OfAMegabyteOfAPathologicalPattern_Converts(string pattern)
    {
        var markdown = Fixtures.Repeat(pattern, 1 << 20);

        var text = await MarkdownAsync(markdown);

        Assert.InRange(text.Length, 0, markdown.Length);
    }

    [Fact]
    public async Task Html_GivesTheTitleThenTheBodyText_WithoutScriptStyleOrHead()
    {
        var text = await HtmlAsync(Fixtures.GardenHtml);

        Assert.StartsWith("Winter Garden Notes\n\n", text, StringComparison.Ordinal);
        Assert.Equal(
            "Winter Garden Notes Winter garden Cover the tulip bulbs with straw before the first frost, and water the roses only at noon. "
            + "Prune the apple trees while they sleep; the cuts heal cleaner in the cold & dry weeks.",
            Fold(text));
    }

    [Theory]
    [InlineData("<html><head><title>T</title><p>Body without a closed head", "T Body without a closed head")]
    [InlineData("<p>a<script>if (a < b) { document.write('</div><p>zebra'); }</script>b</p>", "ab")]
    [InlineData("<p>kept</p><template><p>zebra<script>'</template>'</script>zebra</p></template><p>after</p>", "kept after")]
    [InlineData("<p>x</p><svg><title>zebra</title><svg><text>zebra</text></svg><style>zebra</style></svg><p>y &amp; z&lt;</p>", "x y & z<")]
    [InlineData("<svg/><p>after a self-closed svg</p><br/><textarea>typed &lt;text&gt;</textarea>", "after a self-closed svg typed <text>")]
    [InlineData("<div><!-- zebra --><style>p { color: zebra }</style><noscript>zebra</noscript>seen</div>", "seen")]
    public async Task Html_KeepsTextOnly(string html, string expected) =>
        Assert.Equal(expected, Fold(await HtmlAsync(html)));

    [Fact(Timeout = Timeout)]
    public async Task Html_Of100000NestedDivs_GivesItsText()
    {
        var html = "<html><body>" + Fixtures.Repeat("<div>", 100_000 * 5) + "deep inside" + Fixtures.Repeat("</div>", 100_000 * 6);

        var text = await HtmlAsync(html);

        Assert.Equal("deep inside", Fold(text));
    }

    [Fact(Timeout = Timeout)]
    public async Task Html_OfATagWithAMillionAttributes_GivesItsText()
    {
        var html = "<p " + Fixtures.Repeat("a=1 ", 4 << 20) + ">after</p>";

        Assert.Equal("after", Fold(await HtmlAsync(html)));
    }

    [Fact]
    public async Task Parts_OfALongText_AreReportedInOrder_AndCancellationStopsTheWork()
    {
        var markdown = Fixtures.Repeat("a line of words\n", 5 * TextParts.PartChars / 2);
        var reported = new List<(int Part, int Parts)>();
        using var cancellation = new CancellationTokenSource();
        var parts = new TextParts(markdown.Length, (part, total) =>
        {
            reported.Add((part, total));
            if (part == 2)
            {
                cancellation.Cancel();
            }
            return ValueTask.CompletedTask;
        }, cancellation.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => MarkdownText.ConvertAsync(markdown, parts));

        Assert.Equal([(1, 3), (2, 3)], reported);
    }

    private static Task<string> MarkdownAsync(string markdown) => MarkdownText.ConvertAsync(markdown, TextParts.None(markdown.Length));

    private static Task<string> HtmlAsync(string html) => HtmlText.ConvertAsync(html, TextParts.None(html.Length));

    private static string Fold(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
