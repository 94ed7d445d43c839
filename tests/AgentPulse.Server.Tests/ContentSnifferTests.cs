using System.Text;
using AgentPulse.Server.Documents;

namespace AgentPulse.Server.Tests;

public sealed class ContentSnifferTests
{
    [Theory]
    [InlineData("page.txt", "<!DOCTYPE html><html><body>hi</body></html>", "text/html")]
    [InlineData("upload", "  \n<html><p>hi</p></html>", "text/html")]
    [InlineData("page.htm", "<span>hi</span>", "text/html")]
    [InlineData("notes.md", "# Title\n\nSome *text*.", "text/markdown")]
    [InlineData("notes.markdown", "plain words", "text/markdown")]
    [InlineData("notes.txt", "Grüße, naïve café — ok", "text/plain")]
    [InlineData("no-extension", "just words", "text/plain")]
    [InlineData("scan.png", "%PDF-1.7 the rest", "application/pdf")]
    public void Sniff_TellsTheTypeFromTheContent(string name, string content, string expected)
    {
        var (type, refusal) = ContentSniffer.Sniff(Encoding.UTF8.GetBytes(content), name);

        Assert.Equal(expected, type);
        Assert.Null(refusal);
    }

    [Theory]
    [InlineData("data.txt", new byte[] { 0xC3, 0x28, 0x41 })]
    [InlineData("data.txt", new byte[] { 0x41, 0x00, 0x42 })]
    [InlineData("archive.zip", new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x08, 0x00 })]
    [InlineData("fake.pdf", new byte[] { 0x68, 0x69 })]
    public void Sniff_RefusesWhatItCannotRead_NamingTheFile(string name, byte[] content)
    {
        var (type, refusal) = ContentSniffer.Sniff(content, name);

        Assert.Null(type);
        Assert.Contains(name, refusal, StringComparison.Ordinal);
    }
}
