using System.Diagnostics;
using System.Net;
using System.Text;
using AgentPulse.Server.Tasks;
using AgentPulse.Testing;

namespace AgentPulse.Server.Tests;

/// <summary>
/// Each PDF is read in a process of its own: PdfPig keeps an object per glyph and cannot be
/// interrupted inside a page, so a page showing megabytes of text once took gigabytes of the
/// server's memory (10 MB: 3.7 GB) and could not be cancelled.
/// </summary>
public sealed class PdfProcessTests
{
    /// <summary>PdfProcess's log line "Reading {Name} in process {ProcessId}".</summary>
    private const int ReadingInProcess = 4202;

    [Fact]
    public async Task Upload_OfAPdfThatNeedsMoreMemoryThanItsReaderHas_FailsItsTaskSayingSo()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?> { ["Documents:MaxPdfMemoryBytes"] = (128 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var glyphs = MinimalPdf.WithContent([Encoding.ASCII.GetBytes("BT /F1 1 Tf 0 0 Td (" + new string('a', 4 << 20) + ") Tj ET\n")]);

        var accepted = Assert.Single(await http.UploadAsync(("glyphs.pdf", glyphs)));
        var end = await events.WaitForEndAsync(accepted.Str("taskId"));

        Assert.Equal("task.failed", end.Type());
        var error = end.Data().GetProperty("error");
        Assert.Equal("too_large", error.Str("code"));
        Assert.Equal("glyphs.pdf needs more memory to read than the 128 MB AgentPulse gives one PDF.", error.Str("message"));
    }

    [Fact]
    public async Task Delete_WhileAPdfIsRead_KillsItsReader()
    {
        // The server holds at the first page reported; the reader goes on until the pipe is full, then waits.
        var gate = new TaskGate { Holds = c => c.Stage == "extracting" && c.Current == 1 };
        var log = new ServerLog();
        await using var server = await HeldServer.StartAsync(gate, log);
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var pages = Enumerable.Range(1, 600).Select(i => $"Page {i}: " + string.Join(' ', Enumerable.Repeat("lighthouse keeper", 12))).ToArray();
        var accepted = Assert.Single(await http.UploadAsync(("book.pdf", Fixtures.Pdf(pages))));
        var started = await log.WaitForAsync(ReadingInProcess, "book.pdf", TimeSpan.FromSeconds(60));
        var reader = Process.GetProcessById(int.Parse(started[(started.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        await gate.WaitForHeldAsync(1);
        Assert.False(reader.HasExited);

        using var deleted = await http.DeleteAsync($"api/documents/{accepted.Str("documentId")}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.True(reader.HasExited);
        var end = await events.WaitForEndAsync(accepted.Str("taskId"));
        Assert.Equal("cancelled", end.Data().GetProperty("error").Str("code"));
    }
}
