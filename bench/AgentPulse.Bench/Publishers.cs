using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace AgentPulse.Bench;

/// <summary>
/// The publish-throughput phase (issue 11), for the AgentPulse columns: <see cref="Count"/> concurrent
/// publishers, each posting to <c>POST /api/events</c> over its own keep-alive connection and waiting for
/// the 202 before it sends the next, as a producer outside the server does. With the SQLite log a 202
/// means committed (publishes that arrive together share a transaction: the group commit); with the
/// memory log it means appended. Both columns run the same app and get the same requests; no WebSocket
/// is connected, so the figure is the publish path alone.
/// </summary>
internal sealed class Publishers(BenchSettings settings, TextWriter log)
{
    /// <summary>Concurrent publishers.</summary>
    public const int Count = 8;

    /// <summary>Events per request of the batched measure.</summary>
    public const int BatchSize = 100;

    private const string EventType = "bench.published";
    private static readonly MediaTypeHeaderValue Single = new("application/cloudevents+json");
    private static readonly MediaTypeHeaderValue Batch = new("application/cloudevents-batch+json");
    private int nextRound;

    public async Task RunAsync(ServerProcess server, RunResult result, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Count,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            BaseAddress = server.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };

        // Not measured: opens the publishers' connections and tiers up the endpoint on both sides.
        await MeasureAsync(http, 1, settings.PublishWarmUp, cancellationToken);
        await MeasureAsync(http, BatchSize, settings.PublishWarmUp, cancellationToken);

        var single = await MeasureAsync(http, 1, settings.PublishDuration, cancellationToken);
        var batched = await MeasureAsync(http, BatchSize, settings.PublishDuration, cancellationToken);
        result.Add(Metrics.PublishRate, single.PerSecond);
        result.Add(Metrics.PublishP50, single.P50);
        result.Add(Metrics.PublishP99, single.P99);
        result.Add(Metrics.PublishBatchRate, batched.PerSecond);
        result.AddTo(Metrics.PublishFailed, single.Failed + batched.Failed);
        foreach (var failure in single.Failures.Concat(batched.Failures).Distinct())
        {
            result.Notes.Add($"publish phase: {failure}");
        }
        log.WriteLine(Invariant(
            $"    {Count} publishers on POST /api/events: {single.PerSecond,9:N0} ev/s one event per request (202 in p50 {single.P50:F2} p99 {single.P99:F2} ms), {batched.PerSecond,9:N0} ev/s in batches of {BatchSize}; failed requests {single.Failed + batched.Failed:N0}"));
    }

    /// <summary>
    /// Every publisher posts requests of <paramref name="eventsPerRequest"/> events, one after another, until
    /// <paramref name="duration"/> has passed; acknowledged events over the time until the last 202.
    /// </summary>
    private async Task<Measure> MeasureAsync(HttpClient http, int eventsPerRequest, TimeSpan duration, CancellationToken cancellationToken)
    {
        var round = Interlocked.Increment(ref nextRound);
        var start = Stopwatch.GetTimestamp();
        var until = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var loops = new Task<Publisher>[Count];
        for (var p = 0; p < Count; p++)
        {
            var publisher = new Publisher(round, p);
            loops[p] = Task.Run(() => publisher.RunAsync(http, eventsPerRequest, until, cancellationToken), cancellationToken);
        }
        var done = await Task.WhenAll(loops);
        var seconds = Stopwatch.GetElapsedTime(start, done.Max(d => d.LastAckAt)).TotalSeconds;
        var latencies = done.SelectMany(d => d.LatenciesMs).Order().ToArray();
        return new Measure(
            done.Sum(d => d.Acknowledged) / seconds,
            Stats.Percentile(latencies, 50),
            Stats.Percentile(latencies, 99),
            done.Sum(d => d.Failed),
            done.SelectMany(d => d.Failures).ToList());
    }

    private sealed record Measure(double PerSecond, double P50, double P99, long Failed, IReadOnlyList<string> Failures);

    /// <summary>One publisher: its own source, ids that no other request repeats.</summary>
    private sealed class Publisher(int round, int index)
    {
        private readonly string source = Invariant($"/bench/publisher-{index}");
        private readonly StringBuilder body = new();
        private long next;

        public long Acknowledged { get; private set; }

        public long Failed { get; private set; }

        public long LastAckAt { get; private set; } = Stopwatch.GetTimestamp();

        public List<double> LatenciesMs { get; } = [];

        public HashSet<string> Failures { get; } = [];

        public async Task<Publisher> RunAsync(HttpClient http, int eventsPerRequest, long until, CancellationToken cancellationToken)
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                using var content = new ByteArrayContent(Body(eventsPerRequest));
                content.Headers.ContentType = eventsPerRequest == 1 ? Single : Batch;
                var sent = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync("api/events", content, cancellationToken);
                var acknowledged = Stopwatch.GetTimestamp();
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    Acknowledged += eventsPerRequest;
                    LastAckAt = acknowledged;
                    LatenciesMs.Add(Stopwatch.GetElapsedTime(sent, acknowledged).TotalMilliseconds);
                }
                else
                {
                    Failed++;
                    if (Failures.Count < 3)
                    {
                        Failures.Add(Invariant($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}"));
                    }
                }
            }
            return this;
        }

        /// <summary>One CloudEvent, or a batch of them, as a producer would post it.</summary>
        private byte[] Body(int events)
        {
            body.Clear();
            if (events > 1)
            {
                body.Append('[');
            }
            for (var i = 0; i < events; i++)
            {
                if (i > 0)
                {
                    body.Append(',');
                }
                var n = next++;
                body.Append(CultureInfo.InvariantCulture,
                    $$$"""{"specversion":"1.0","type":"{{{EventType}}}","source":"{{{source}}}","id":"{{{round}}}.{{{n}}}","data":{"publisher":{{{index}}},"n":{{{n}}}}}""");
            }
            if (events > 1)
            {
                body.Append(']');
            }
            return Encoding.UTF8.GetBytes(body.ToString());
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
