using System.Net;
using System.Text.Json;
using AgentPulse.Testing;

namespace AgentPulse.Server.Tests;

public sealed class DocumentUploadTests
{
    private static Dictionary<string, string?> EveryProgress => new() { ["Tasks:ProgressInterval"] = "00:00:00" };

    [Fact]
    public async Task Upload_OfOneText_GivesStartedProgressCompletedIndexed_InOrderWithMatchingIds()
    {
        await using var server = await RunningServer.StartAsync(EveryProgress);
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();

        var accepted = Assert.Single(await http.UploadAsync(("night-shift.txt", Fixtures.Utf8(Fixtures.LongText))));
        var documentId = accepted.Str("documentId");
        var taskId = accepted.Str("taskId");
        Assert.Equal("night-shift.txt", accepted.Str("name"));
        await events.WaitForAsync(list => list.Any(e => e.Type() == "document.indexed"));

        var all = events.Events;
        Assert.Equal(["task.started", "task.progress", "task.completed", "document.indexed"], all.Select(e => e.Type()).Distinct());
        Assert.Equal("task.started", all[0].Type());
        Assert.Equal("task.completed", all[^2].Type());
        Assert.Equal("document.indexed", all[^1].Type());

        var started = all[0].Data();
        Assert.Equal(taskId, started.Str("taskId"));
        Assert.Equal("document.index", started.Str("kind"));
        Assert.Equal("indexer", started.Str("agent"));
        Assert.Equal(documentId, started.Str("resourceId"));

        var indexed = all[^1].Data();
        Assert.Equal(documentId, indexed.Str("documentId"));
        Assert.Equal(taskId, indexed.Str("taskId"));
        Assert.Equal("night-shift.txt", indexed.Str("name"));
        Assert.Equal("text/plain", indexed.Str("contentType"));
        Assert.Equal(Fixtures.Utf8(Fixtures.LongText).Length, indexed.GetProperty("sizeBytes").GetInt64());
        var chunks = indexed.GetProperty("chunkCount").GetInt32();
        Assert.InRange(chunks, 3, 10);
        Assert.Equal(taskId, all[^2].Data().Str("taskId"));

        var progress = all.Where(e => e.Type() == "task.progress").Select(e => e.Data()).ToList();
        Assert.All(progress, p => Assert.Equal(taskId, p.Str("taskId")));
        // With no throttling every step is published: start and end of extracting and chunking, one per chunk.
        Assert.Equal(4 + chunks, progress.Count);
        var stages = progress.Select(p => p.Str("stage")).ToList();
        Assert.Equal(["extracting", "chunking", "indexing"], stages.Distinct());
        Assert.Equal(stages.OrderBy(s => Array.IndexOf(["extracting", "chunking", "indexing"], s)), stages);
        var values = progress.Select(p => p.GetProperty("progress").GetDouble()).ToList();
        Assert.Equal(values.Order(), values);
        Assert.Equal(1.0, values[^1], 6);
        var indexing = progress.Where(p => p.Str("stage") == "indexing").ToList();
        Assert.Equal(Enumerable.Range(1, chunks).Select(i => (long)i), indexing.Select(p => p.GetProperty("current").GetInt64()));
        Assert.All(indexing, p => Assert.Equal(chunks, p.GetProperty("total").GetInt64()));

        var document = await http.GetJsonAsync($"api/documents/{documentId}");
        Assert.Equal("indexed", document.Str("status"));
        Assert.Equal(chunks, document.GetProperty("chunkCount").GetInt32());
        var task = await http.GetJsonAsync($"api/tasks/{taskId}");
        Assert.Equal("completed", task.Str("status"));
    }

    [Fact]
    public async Task Upload_OfEmptyFile_IsRefusedWith400ProblemDetails()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();

        using var response = await http.PostFilesAsync(("notes.txt", []));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("notes.txt is empty", problem.Str("detail"), StringComparison.Ordinal);
        Assert.Empty((await http.GetJsonAsync("api/documents")).GetProperty("documents").EnumerateArray());
    }

    [Fact]
    public async Task Upload_OfUnknownBinary_IsRefusedWith415ProblemDetails_EvenWhenNamedAsText()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0xFF, 0xFE };

        using var response = await http.PostFilesAsync(("picture.txt", png));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("picture.txt", problem.Str("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_OfTextNamedAsPdf_IsRefusedWith415()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();

        using var response = await http.PostFilesAsync(("report.pdf", Fixtures.Utf8("just some words")));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("report.pdf is named as a PDF but its content is not a PDF.", problem.Str("detail"));
    }

    [Fact]
    public async Task Upload_Of51Megabytes_IsRefusedWith413ProblemDetails()
    {
        await using var server = await RunningServer.StartAsync();
        using var http = server.CreateHttpClient();
        var big = new byte[51 * 1024 * 1024];
        big.AsSpan().Fill((byte)'a');

        using var response = await http.PostFilesAsync(("big.txt", big));

        var problem = await Api.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("big.txt is larger than 50 MB", problem.Str("detail"), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataPath, "documents"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Upload_NamedLikeAPath_IsStoredUnderAServerNameAndShownAsGiven()
    {
        await using var server = await RunningServer.StartAsync();
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();

        var accepted = Assert.Single(await http.UploadAsync(("../../etc/passwd", Fixtures.Utf8("root:x:0:0:root:/root:/bin/bash"))));
        await events.WaitForEndAsync(accepted.Str("taskId"));

        Assert.Equal("../../etc/passwd", accepted.Str("name"));
        var document = await http.GetJsonAsync($"api/documents/{accepted.Str("documentId")}");
        Assert.Equal("../../etc/passwd", document.Str("name"));
        Assert.Equal("indexed", document.Str("status"));
        var stored = Assert.Single(Directory.EnumerateFiles(server.DataPath, "*", SearchOption.AllDirectories), f => !f.Contains("agentpulse.db", StringComparison.Ordinal) && !f.Contains("events.db", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}index{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        Assert.Equal(Path.Combine(server.DataPath, "documents", accepted.Str("documentId") + ".txt"), stored);
    }

    [Fact]
    public async Task Upload_OfCorruptPdf_FailsItsTaskWithAMessageForAPerson()
    {
        await using var server = await RunningServer.StartAsync();
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var corrupt = Fixtures.Pdf("A page that will be cut short.")[..200];

        var accepted = Assert.Single(await http.UploadAsync(("report.pdf", corrupt)));
        var end = await events.WaitForEndAsync(accepted.Str("taskId"));

        Assert.Equal("task.failed", end.Type());
        var error = end.Data().GetProperty("error");
        Assert.Equal("unreadable", error.Str("code"));
        Assert.Equal("report.pdf could not be read: the PDF is damaged.", error.Str("message"));
        Assert.DoesNotContain(events.Events, e => e.Type() == "document.indexed");
        var document = await http.GetJsonAsync($"api/documents/{accepted.Str("documentId")}");
        Assert.Equal("failed", document.Str("status"));
        Assert.Equal("report.pdf could not be read: the PDF is damaged.", document.GetProperty("error").Str("message"));
    }

    [Fact]
    public async Task Upload_OfPdfHtmlAndMarkdown_IndexesEachWithTheTypeFoundInItsContent()
    {
        await using var server = await RunningServer.StartAsync();
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var pdf = Fixtures.Pdf("The lighthouse keeper logs every passing ship.", "On the second page the keeper polishes the great lens.");

        var accepted = await http.UploadAsync(("keeper.pdf", pdf), ("garden.htm", Fixtures.Utf8(Fixtures.GardenHtml)), ("bread.md", Fixtures.Utf8(Fixtures.BakingMarkdown)));
        await events.WaitForAsync(list => list.Count(e => e.Type() == "document.indexed") == 3);

        var types = events.Events.Where(e => e.Type() == "document.indexed").ToDictionary(e => e.Data().Str("name"), e => e.Data().Str("contentType"));
        Assert.Equal("application/pdf", types["keeper.pdf"]);
        Assert.Equal("text/html", types["garden.htm"]);
        Assert.Equal("text/markdown", types["bread.md"]);
        var pdfProgress = events.ForTask(accepted[0].Str("taskId")).Where(e => e.Type() == "task.progress" && e.Data().Str("stage") == "extracting").ToList();
        Assert.Contains(pdfProgress, p => p.Data().Str("message") == "page 2 of 2");

        var (_, taskId) = await http.SearchAsync("polishes lens");
        var found = await WaitForSearchAsync(events, taskId);
        Assert.Equal("keeper.pdf", found.GetProperty("results")[0].Str("name"));

        // Script and style are not text: "zebra" lives only in a script.
        (_, taskId) = await http.SearchAsync("zebra");
        Assert.Equal(0, (await WaitForSearchAsync(events, taskId)).GetProperty("totalHits").GetInt32());
        (_, taskId) = await http.SearchAsync("tulip");
        Assert.Equal("garden.htm", (await WaitForSearchAsync(events, taskId)).GetProperty("results")[0].Str("name"));
    }

    [Fact]
    public async Task Delete_OfADocument_RemovesItFromTheListAndFromSearch()
    {
        await using var server = await RunningServer.StartAsync();
        await using var events = await EventRecorder.ConnectAsync(server);
        using var http = server.CreateHttpClient();
        var accepted = Assert.Single(await http.UploadAsync(("bread.md", Fixtures.Utf8(Fixtures.BakingMarkdown))));
        await events.WaitForEndAsync(accepted.Str("taskId"));

        using var deleted = await http.DeleteAsync($"api/documents/{accepted.Str("documentId")}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using var missing = await http.GetAsync($"api/documents/{accepted.Str("documentId")}");
        await Api.ProblemAsync(missing, HttpStatusCode.NotFound);
        var (_, taskId) = await http.SearchAsync("sourdough");
        Assert.Equal(0, (await WaitForSearchAsync(events, taskId)).GetProperty("totalHits").GetInt32());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataPath, "documents")));
    }

    internal static async Task<JsonElement> WaitForSearchAsync(EventRecorder events, string taskId)
    {
        await events.WaitForAsync(list => list.Any(e => e.Type() == "search.completed" && e.Data().Str("taskId") == taskId));
        return events.Events.First(e => e.Type() == "search.completed" && e.Data().Str("taskId") == taskId).Data();
    }
}
