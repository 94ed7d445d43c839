// Indexing throughput and search latency over 10,000+ chunks: the real server in this process
// on 127.0.0.1 and a free port, a data folder of its own, documents uploaded over HTTP and
// results awaited as events through AgentPulse.Client. Bounded: it stops by itself.
//
//   dotnet run --project bench/AgentPulse.Bench.Agents -c Release [-- --megabytes 10 --queries 500]
//   dotnet run --project bench/AgentPulse.Bench.Agents -c Release -- --hostile   (Hostile.cs)
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using AgentPulse.Client;
using AgentPulse.Protocol;
using AgentPulse.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

if (args.Contains("--hostile"))
{
    var hostile = await Hostile.RunAsync();
    Console.WriteLine(hostile);
    await File.WriteAllTextAsync(Path.Combine(FindRepoRoot(), "bench", "results", "hostile.md"), hostile);
    return;
}

var megabytes = Arg("--megabytes", 10);
var queries = Arg("--queries", 500);
var data = Path.Combine(Path.GetTempPath(), "agentpulse-bench-agents", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(data);
var app = AgentPulseApp.Build(["--urls=http://127.0.0.1:0", $"--DataPath={data}", "--Logging:LogLevel:Default=Warning"]);
await app.StartAsync();
try
{
    var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
    await using var client = new AgentPulseClient(new Uri(address, "/ws/agents"));
    var indexed = new TaskCompletionSource<DocumentIndexed>(TaskCreationOptions.RunContinuationsAsynchronously);
    var failed = new TaskCompletionSource<TaskFailed>(TaskCreationOptions.RunContinuationsAsynchronously);
    var searches = new System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource<SearchCompleted>>();
    using var onIndexed = client.On<DocumentIndexed>((d, _) => indexed.TrySetResult(d));
    using var onFailed = client.On<TaskFailed>((f, _) => failed.TrySetResult(f));
    using var onSearch = client.On<SearchCompleted>((s, _) => searches.GetOrAdd(s.SearchId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(s));
    await client.StartAsync();

    // Indexing: one text of the given size, from upload to document.indexed.
    var text = Corpus.Make(megabytes * 1024 * 1024, seed: 42);
    var bytes = Encoding.UTF8.GetBytes(text);
    using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "files", "corpus.txt" } };
    var clock = Stopwatch.StartNew();
    (await http.PostAsync(new Uri("/api/documents", UriKind.Relative), form)).EnsureSuccessStatusCode();
    await Task.WhenAny(indexed.Task, failed.Task).WaitAsync(TimeSpan.FromMinutes(5));
    if (!indexed.Task.IsCompleted)
    {
        throw new InvalidOperationException($"indexing failed: {(await failed.Task).Error.Message}");
    }
    var document = await indexed.Task;
    var indexSeconds = clock.Elapsed.TotalSeconds;
    var mbPerSecond = bytes.Length / 1024.0 / 1024.0 / indexSeconds;

    // Search: one query at a time, from POST /api/search to search.completed.
    var random = new Random(7);
    var endToEnd = new List<double>(queries);
    var took = new List<double>(queries);
    for (var i = 0; i < queries; i++)
    {
        var query = string.Join(' ', Enumerable.Range(0, random.Next(1, 4)).Select(_ => Corpus.Words[random.Next(Corpus.Words.Length)]));
        var started = Stopwatch.GetTimestamp();
        var response = await http.PostAsJsonAsync(new Uri("/api/search", UriKind.Relative), new { query, top = 10 });
        response.EnsureSuccessStatusCode();
        var searchId = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("searchId").GetString()!;
        var result = await searches.GetOrAdd(searchId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromSeconds(30));
        endToEnd.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        took.Add(result.TookMs);
    }

    var report = $"""
        Agents benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Environment.ProcessorCount} cores; {Build} build; load average at start {Measure.LoadAverage()}.

        | Metric | Value |
        |---|---|
        | Text indexed | {bytes.Length / 1024.0 / 1024.0:F1} MB in {document.ChunkCount:N0} chunks |
        | Indexing, upload to `document.indexed` | {indexSeconds:F2} s = **{mbPerSecond:F2} MB/s** |
        | Search end to end (POST to `search.completed`), p50 / p99 / max | **{Measure.Percentile(endToEnd, 50):F2} / {Measure.Percentile(endToEnd, 99):F2}** / {endToEnd.Max():F2} ms |
        | Search in the index (`tookMs`), p50 / p99 | {Measure.Percentile(took, 50):F0} / {Measure.Percentile(took, 99):F0} ms |
        | Queries | {queries}, 1–3 words each, one at a time |

        """;
    Console.WriteLine(report);
    var results = Path.Combine(FindRepoRoot(), "bench", "results");
    Directory.CreateDirectory(results);
    await File.WriteAllTextAsync(Path.Combine(results, "agents.md"), report);
}
finally
{
    await app.StopAsync();
    await app.DisposeAsync();
    Directory.Delete(data, recursive: true);
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AgentPulse.slnx")))
    {
        dir = dir.Parent;
    }
    return dir?.FullName ?? Directory.GetCurrentDirectory();
}

internal static partial class Program
{
#if DEBUG
    private const string Build = "Debug";
#else
    private const string Build = "Release";
#endif
}

/// <summary>Deterministic English-like prose, so that stemming and ranking have real work.</summary>
internal static class Corpus
{
    public static readonly string[] Words =
    [
        "agent", "agents", "index", "indexing", "document", "search", "searching", "result", "archive", "shelf",
        "operator", "dashboard", "progress", "report", "survey", "finding", "summary", "tower", "north", "river",
        "signal", "network", "queue", "task", "tasks", "worker", "server", "client", "reconnect", "stream",
        "event", "events", "log", "retention", "snapshot", "browser", "upload", "chunk", "page", "reader",
        "library", "catalog", "record", "history", "evening", "morning", "quiet", "busy", "careful", "quick",
    ];

    private static readonly string[] Glue = ["the", "a", "of", "and", "while", "with", "to", "in", "for", "was", "were", "is"];

    public static string Make(int size, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(size + 1024);
        while (text.Length < size)
        {
            var words = random.Next(8, 20);
            for (var i = 0; i < words; i++)
            {
                var word = random.Next(3) == 0 ? Words[random.Next(Words.Length)] : Glue[random.Next(Glue.Length)];
                text.Append(i == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word).Append(i == words - 1 ? ". " : " ");
            }
            if (random.Next(6) == 0)
            {
                text.Append("\n\n");
            }
        }
        return text.ToString();
    }
}
