// Hostile input against the agents (issue 13, items 3, 5, 6 and 7): what a PDF decompression bomb,
// pathological Markdown and HTML, and costly queries make the server do, measured on the real server
// in this process. Memory is the process's peak resident set (VmHWM in /proc/self/status) during one
// upload, after resetting the peak (writing 5 to /proc/self/clear_refs) and collecting garbage.
//
//   dotnet run --project bench/AgentPulse.Bench.Agents -c Release -- --hostile
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using AgentPulse.Client;
using AgentPulse.Protocol;
using AgentPulse.Server;
using AgentPulse.Server.Documents;
using AgentPulse.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

internal static class Hostile
{
    public static async Task<string> RunAsync()
    {
        var data = Path.Combine(Path.GetTempPath(), "agentpulse-bench-hostile", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        var readers = new ReaderLog();
        var app = AgentPulseApp.Build(["--urls=http://127.0.0.1:0", $"--DataPath={data}", "--Logging:LogLevel:Default=Warning"], builder =>
        {
            builder.Logging.AddProvider(readers);
            builder.Logging.AddFilter<ReaderLog>(null, LogLevel.Debug);
        });
        await app.StartAsync();
        try
        {
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(10) };
            await using var client = new AgentPulseClient(new Uri(address, "/ws/agents"));
            var ends = new ConcurrentDictionary<string, TaskCompletionSource<string>>();
            TaskCompletionSource<string> End(string taskId) => ends.GetOrAdd(taskId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
            using var onCompleted = client.On<TaskCompleted>((e, _) => End(e.TaskId).TrySetResult("completed"));
            using var onFailed = client.On<TaskFailed>((e, _) => End(e.TaskId).TrySetResult($"failed: {e.Error.Code}: {e.Error.Message}"));
            await client.StartAsync();

            async Task<(string Outcome, double Seconds, long PeakGrowthMb, string ReaderPeak)> UploadAsync(string name, byte[] content)
            {
                readers.Peak = null;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                ResetPeak();
                var baseline = Status("VmRSS");
                var clock = Stopwatch.StartNew();
                using var form = new MultipartFormDataContent { { new ByteArrayContent(content), "files", name } };
                using var response = await http.PostAsync(new Uri("/api/documents", UriKind.Relative), form);
                response.EnsureSuccessStatusCode();
                var taskId = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("documents")[0].GetProperty("taskId").GetString()!;
                var outcome = await End(taskId).Task.WaitAsync(TimeSpan.FromMinutes(10));
                return (outcome, clock.Elapsed.TotalSeconds, (Status("VmHWM") - baseline) / 1024, readers.Peak is { } peak ? $"{peak:N0} MB" : "n/a");
            }

            var rows = new List<string>();
            void Row(string what, string size, (string Outcome, double Seconds, long PeakGrowthMb, string ReaderPeak) r) =>
                rows.Add($"| {what} | {size} | {r.Seconds:F2} s | {r.PeakGrowthMb:N0} MB | {r.ReaderPeak} | {r.Outcome} |");

            var bomb = MinimalPdf.WithContent([MinimalPdf.FlateTextAndSpaces("Hello", 400L << 20)], "FlateDecode");
            Row("PDF, one Flate stream of 400 MB of spaces (the issue's bomb)", $"{bomb.Length / 1024:N0} KB", await UploadAsync("bomb.pdf", bomb));
            // The most a PDF may decode to, in 8 streams: the worst that is not refused.
            var limit = app.Services.GetRequiredService<IOptions<DocumentOptions>>().Value.MaxDecodedBytes;
            var eighth = (limit - (1 << 20)) / 8;
            var underTheLimit = MinimalPdf.WithContent([.. Enumerable.Repeat(MinimalPdf.FlateTextAndSpaces("Hello", eighth), 8)], "FlateDecode");
            Row($"PDF, 8 Flate streams of {eighth / 1024.0 / 1024:F1} MB of spaces (just under the {limit >> 20} MB limit)", $"{underTheLimit.Length / 1024:N0} KB", await UploadAsync("under.pdf", underTheLimit));
            // Not a bomb: PdfPig keeps an object of some hundreds of bytes per glyph of a page, so only the reader's heap cap bounds it.
            foreach (var megabytes in new[] { 1, 10 })
            {
                var glyphs = MinimalPdf.WithContent([Encoding.ASCII.GetBytes("BT /F1 1 Tf 0 0 Td (" + new string('a', megabytes << 20) + ") Tj ET\n")]);
                Row($"PDF, one page showing {megabytes} MB of text in one uncompressed stream", $"{glyphs.Length / 1024:N0} KB", await UploadAsync("glyphs.pdf", glyphs));
            }
            var markdown = Encoding.UTF8.GetBytes(Repeat("*a ", 1 << 20));
            Row("Markdown, one line of `*a ` repeated", "1,024 KB", await UploadAsync("emphasis.md", markdown));
            var html = Encoding.UTF8.GetBytes("<html><body>" + Repeat("<div>", 100_000 * 5) + "deep");
            Row("HTML, 100,000 nested divs", $"{html.Length / 1024:N0} KB", await UploadAsync("nested.html", html));

            // Searches over a text with a large vocabulary, where fuzzy terms have many words to go through.
            var vocabulary = Vocabulary(50_000, seed: 3);
            var corpus = Encoding.UTF8.GetBytes(Prose(vocabulary, 5 << 20, seed: 4));
            var indexed = await UploadAsync("vocabulary.txt", corpus);
            async Task<(double Ms, long TookMs, string Outcome)> SearchAsync(string query)
            {
                var clock = Stopwatch.StartNew();
                using var response = await http.PostAsJsonAsync(new Uri("/api/search", UriKind.Relative), new { query, top = 10 });
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    return (clock.Elapsed.TotalMilliseconds, 0, $"{(int)response.StatusCode}");
                }
                var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
                var searchId = body.GetProperty("searchId").GetString()!;
                var outcome = await End(body.GetProperty("taskId").GetString()!).Task.WaitAsync(TimeSpan.FromMinutes(5));
                var view = await http.GetFromJsonAsync<System.Text.Json.JsonElement>(new Uri($"/api/search/{searchId}", UriKind.Relative));
                var took = view.TryGetProperty("tookMs", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.Number ? t.GetInt64() : 0;
                return (clock.Elapsed.TotalMilliseconds, took, outcome);
            }
            var random = new Random(5);
            string Words(int count, string suffix) => string.Join(' ', Enumerable.Range(0, count).Select(_ => vocabulary[random.Next(vocabulary.Length)] + suffix));
            var refused = await SearchAsync(Words(250, "~2"));
            var worst = await SearchAsync(Words(4, "~2") + " " + Words(28, ""));
            var plainAlone = new List<double>();
            for (var i = 0; i < 50; i++)
            {
                plainAlone.Add((await SearchAsync(Words(2, ""))).Ms);
            }
            var costly = Enumerable.Range(0, 8).Select(_ => SearchAsync(Words(4, "~2") + " " + Words(28, ""))).ToList();
            var plainBeside = new List<double>();
            for (var i = 0; i < 50; i++)
            {
                plainBeside.Add((await SearchAsync(Words(2, ""))).Ms);
            }
            var costlyDone = await Task.WhenAll(costly);

            return $"""
                Hostile input benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} cores; load average at start {Measure.LoadAverage()}.
                Command: `dotnet run --project bench/AgentPulse.Bench.Agents -c Release -- --hostile`. Server defaults (appsettings.json).
                Server growth: the server process's peak resident set during the upload, over its resident set before it.
                Reader peak: the peak resident set of the process a PDF is read in (Documents:MaxPdfMemoryBytes caps its heap), as it reports when it finishes.

                | Upload | Size | Upload to task end | Server growth | Reader peak | Outcome |
                |---|---|---|---|---|---|
                {string.Join("\n", rows)}

                | Search, over {corpus.Length >> 20} MB of text with a 50,000-word vocabulary (indexed in {indexed.Seconds:F1} s) | Result |
                |---|---|
                | 250 terms `word~2` | {refused.Outcome} in {refused.Ms:F0} ms |
                | The costliest query the caps allow: 4 `word~2` (searched as `~1`) and 28 words | {worst.Outcome}, {worst.TookMs} ms in the index, {worst.Ms:F0} ms end to end |
                | Plain 2-word search alone, p50 / p99 (50) | {Measure.Percentile(plainAlone, 50):F1} / {Measure.Percentile(plainAlone, 99):F1} ms |
                | Plain 2-word search while 8 of the costliest run and queue, p50 / p99 (50) | {Measure.Percentile(plainBeside, 50):F1} / {Measure.Percentile(plainBeside, 99):F1} ms |
                | The 8 costliest, end to end, max | {costlyDone.Max(c => c.Ms):F0} ms ({costlyDone.Count(c => c.Outcome == "completed")} completed) |

                """;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    private static string[] Vocabulary(int count, int seed)
    {
        var random = new Random(seed);
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (words.Count < count)
        {
            words.Add(string.Concat(Enumerable.Range(0, random.Next(4, 10)).Select(_ => (char)('a' + random.Next(26)))));
        }
        return [.. words];
    }

    private static string Prose(string[] vocabulary, int size, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(size + 64);
        while (text.Length < size)
        {
            text.Append(vocabulary[random.Next(vocabulary.Length)]).Append(random.Next(12) == 0 ? ".\n" : " ");
        }
        return text.ToString();
    }

    private static string Repeat(string pattern, int chars) =>
        new StringBuilder(chars + pattern.Length).Insert(0, pattern, (chars + pattern.Length - 1) / pattern.Length).ToString();

    private static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    /// <summary>A line of /proc/self/status, in KB.</summary>
    private static long Status(string key) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(key + ":", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

}

/// <summary>What both benchmarks of this project report with.</summary>
internal static class Measure
{
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}

/// <summary>Keeps the peak memory the PDF reader reports (PdfProcess's log line 4204).</summary>
internal sealed class ReaderLog : ILoggerProvider
{
    public long? Peak { get; set; }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(ReaderLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 4204 && state is IReadOnlyList<KeyValuePair<string, object?>> values
                && values.FirstOrDefault(v => v.Key == "PeakMegabytes").Value is long peak)
            {
                log.Peak = peak;
            }
        }
    }
}
