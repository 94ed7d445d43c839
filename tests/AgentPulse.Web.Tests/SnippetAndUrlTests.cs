namespace AgentPulse.Web.Tests;

public class SnippetTests
{
    [Fact]
    public void Parse_SplitsMarkedMatches_AndDecodesTheEscapedText()
    {
        var parts = Snippet.Parse("Agents &amp; <mark>tasks</mark> run &lt;script&gt; <mark>fast</mark>.");

        Assert.Equal(
            [new SnippetPart("Agents & ", false), new SnippetPart("tasks", true), new SnippetPart(" run <script> ", false), new SnippetPart("fast", true), new SnippetPart(".", false)],
            parts);
    }

    [Fact]
    public void Parse_AnUnclosedMark_HighlightsToTheEnd_AndEmptyGivesNothing()
    {
        Assert.Equal([new SnippetPart("a ", false), new SnippetPart("b", true)], Snippet.Parse("a <mark>b"));
        Assert.Empty(Snippet.Parse(""));
        Assert.Empty(Snippet.Parse(null));
    }
}

public class ConnectionUrlTests
{
    [Theory]
    [InlineData(null, "http://localhost:8000/", "ws://localhost:8000/ws/agents")]
    [InlineData("", "https://pulse.example.com/", "wss://pulse.example.com/ws/agents")]
    [InlineData(null, "https://pulse.example.com/app/", "wss://pulse.example.com/app/ws/agents")]
    [InlineData("ws://127.0.0.1:9000/ws/agents", "http://localhost:5000/", "ws://127.0.0.1:9000/ws/agents")]
    [InlineData("http://dev-box:8000/ws/agents", "http://localhost:5000/", "ws://dev-box:8000/ws/agents")]
    [InlineData("/ws/agents?types=task.*", "https://pulse.example.com/", "wss://pulse.example.com/ws/agents?types=task.*")]
    public void Resolve_FollowsThePageOrigin_UnlessConfigured(string? configured, string page, string expected) =>
        Assert.Equal(expected, ConnectionUrl.Resolve(configured, new Uri(page)).ToString());
}

public class FormatTests
{
    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KB")]
    [InlineData(5 * 1024 * 1024, "5 MB")]
    public void Bytes_ReadLikeAPersonWouldSayThem(long bytes, string expected) => Assert.Equal(expected, Format.Bytes(bytes));

    [Theory]
    [InlineData(0.42, 42)]
    [InlineData(0.005, 1)]
    [InlineData(1.7, 100)]
    [InlineData(-1, 0)]
    [InlineData(double.NaN, 0)]
    public void Percent_IsAWholeNumberFromZeroToAHundred(double fraction, int expected) => Assert.Equal(expected, Format.Percent(fraction));

    [Theory]
    [InlineData(40, "40 ms")]
    [InlineData(999, "999 ms")]
    [InlineData(1_349, "1.3 s")]
    [InlineData(12_900, "12 s")]
    [InlineData(185_000, "3 min 05 s")]
    [InlineData(-5, "0 ms")]
    public void Duration_ReadsAsAPersonWouldSayIt(int milliseconds, string expected) =>
        Assert.Equal(expected, Format.Duration(TimeSpan.FromMilliseconds(milliseconds)));
}
