using System.Globalization;

namespace AgentPulse.Bench;

/// <summary>What one bench run does. <c>--quick</c> is the routine check (about two minutes); the default is the full run.</summary>
internal sealed record BenchSettings
{
    public bool Quick { get; init; }

    /// <summary>Runs per column, alternating AgentPulse, raw, SignalR, AgentPulse…</summary>
    public int Runs { get; init; } = 3;

    /// <summary>The columns, in table order.</summary>
    public IReadOnlyList<Column> Columns { get; init; } = Bench.Columns.All;

    /// <summary>Connection counts for throughput and latency.</summary>
    public int[] Sizes { get; init; } = [100, 1000];

    /// <summary>Events per burst. Below the servers' send queues (1,024), so that it measures fan-out, not overflow.</summary>
    public int BurstEvents { get; init; } = 1000;

    /// <summary>Events of the overflow burst: far past the send queue, so that AgentPulse catches up from its log.</summary>
    public int OverflowEvents { get; init; } = 20_000;

    /// <summary>Connections that take the overflow burst.</summary>
    public int OverflowConnections { get; init; } = 1000;

    /// <summary>How long each fresh server is loaded before measuring (every column alike).</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(3);

    public int LatencyRate { get; init; } = 200;

    public TimeSpan LatencyDuration { get; init; } = TimeSpan.FromSeconds(5);

    public int ResumeEvents { get; init; } = 1000;

    /// <summary>How long the publishers of the publish-throughput phase post, per measure (one event per request, then batches); zero skips the phase.</summary>
    public TimeSpan PublishDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long they post before each measured run of the phase, not measured.</summary>
    public TimeSpan PublishWarmUp { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Idle connections whose RSS is measured.</summary>
    public int RssConnections { get; init; } = 5000;

    /// <summary>Idle connections of the scale phase; 0 skips it.</summary>
    public int ScaleConnections { get; init; } = 100_000;

    /// <summary>Why the scale phase opens fewer than asked (the machine's limit of open files), or <c>null</c>.</summary>
    public string? ScaleLimit { get; init; }

    /// <summary>Handshakes in flight at once while opening connections.</summary>
    public int Parallelism { get; init; } = 100;

    /// <summary>The GC of the servers in the main table (default: the one AgentPulse.Server ships with).</summary>
    public GcMode Gc { get; init; } = GcModes.Shipped();

    /// <summary>Whether the runs are repeated with the other GC (throughput, latency, idle memory).</summary>
    public bool CompareGc { get; init; } = true;

    /// <summary>Runs per column with the other GC.</summary>
    public int GcRuns { get; init; } = 2;

    /// <summary>The whole run is cancelled past this.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(50);

    public string OutputDirectory { get; init; } = "";

    public static BenchSettings Full => new();

    public static BenchSettings QuickRun => new()
    {
        Quick = true,
        Runs = 2,
        BurstEvents = 500,
        OverflowEvents = 2000,
        WarmUp = TimeSpan.FromSeconds(1),
        LatencyDuration = TimeSpan.FromSeconds(1),
        PublishDuration = TimeSpan.FromSeconds(1),
        PublishWarmUp = TimeSpan.FromSeconds(0.5),
        ScaleConnections = 0,
        CompareGc = false,
        Deadline = TimeSpan.FromMinutes(8),
    };

    public const string Usage =
        "Options: --quick, --runs N, --columns agentpulse,raw,signalr, --gc server|workstation, --compare-gc, --no-compare-gc, " +
        "--rss N, --overflow N, --publish-seconds N (0 skips the publish phase), --connections N (0 skips the scale phase), --out DIR.";

    /// <summary>
    /// Caps the scale phase at what the open-files limit allows: each connection is a file in the load
    /// process and one in the server, besides about a thousand others each.
    /// </summary>
    public BenchSettings WithinOpenFileLimit(ulong? softLimit)
    {
        if (ScaleConnections == 0 || softLimit is not { } limit || (ulong)ScaleConnections + 2000 <= limit)
        {
            return this;
        }
        var possible = (int)Math.Max(0, ((long)limit - 2000) / 1000 * 1000);
        return this with
        {
            ScaleConnections = possible,
            ScaleLimit = string.Create(CultureInfo.InvariantCulture,
                $"{ScaleConnections:N0} connections were asked for; this machine allows {limit:N0} open files per process (a hard limit that raising needs CAP_SYS_RESOURCE for, which the bench does not have here), so the scale phase opened {possible:N0}"),
        };
    }

    public static BenchSettings Parse(string[] args)
    {
        var settings = args.Contains("--quick") ? QuickRun : Full;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt(int min, int max) => Math.Clamp(int.Parse(Next(), CultureInfo.InvariantCulture), min, max);
            switch (args[i])
            {
                case "--quick":
                    break;
                case "--runs":
                    settings = settings with { Runs = NextInt(0, 20) };
                    break;
                case "--columns":
                    settings = settings with { Columns = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Bench.Columns.Find).Distinct().ToArray() };
                    break;
                case "--gc":
                    settings = settings with { Gc = GcModes.Parse(Next()) };
                    break;
                case "--compare-gc":
                    settings = settings with { CompareGc = true };
                    break;
                case "--no-compare-gc":
                    settings = settings with { CompareGc = false };
                    break;
                case "--rss":
                    settings = settings with { RssConnections = NextInt(100, 20_000) };
                    break;
                case "--overflow":
                    settings = settings with { OverflowEvents = NextInt(0, 100_000) };
                    break;
                case "--publish-seconds":
                    settings = settings with { PublishDuration = TimeSpan.FromSeconds(NextInt(0, 60)) };
                    break;
                case "--connections":
                    settings = settings with { ScaleConnections = NextInt(0, 200_000) };
                    break;
                case "--out":
                    settings = settings with { OutputDirectory = Next() };
                    break;
                default:
                    throw new ArgumentException($"Unknown option {args[i]}. {Usage}");
            }
        }
        if (settings.OutputDirectory.Length == 0)
        {
            settings = settings with { OutputDirectory = Path.Combine(FindRepositoryRoot(), "bench", "results") };
        }
        return settings;
    }

    internal static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AgentPulse.slnx")))
                {
                    return dir.FullName;
                }
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
