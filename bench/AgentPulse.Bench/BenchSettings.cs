using System.Globalization;

namespace AgentPulse.Bench;

/// <summary>What one bench run does. <c>--quick</c> is for routine use (under a minute); the default is the full run (under ten minutes).</summary>
internal sealed record BenchSettings
{
    public bool Quick { get; init; }

    /// <summary>Runs per server, alternating AgentPulse, SignalR, AgentPulse…</summary>
    public int Runs { get; init; } = 3;

    /// <summary>Connection counts for throughput and latency.</summary>
    public int[] Sizes { get; init; } = [100, 1000];

    /// <summary>Events per burst. At most the server's default send queue (1024), so that a burst alone never overflows it.</summary>
    public int BurstEvents { get; init; } = 1000;

    /// <summary>How long each fresh server is loaded before measuring (both kinds alike).</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(3);

    public int LatencyRate { get; init; } = 200;

    public TimeSpan LatencyDuration { get; init; } = TimeSpan.FromSeconds(5);

    public int ResumeEvents { get; init; } = 1000;

    /// <summary>Idle connections whose RSS is measured.</summary>
    public int RssConnections { get; init; } = 5000;

    /// <summary>Connections that must be held at once; 0 skips the check.</summary>
    public int HeldConnections { get; init; } = 10_000;

    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Handshakes in flight at once while opening connections.</summary>
    public int Parallelism { get; init; } = 100;

    /// <summary>The whole run is cancelled past this.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(12);

    public string OutputDirectory { get; init; } = "";

    /// <summary>Load AgentPulse with the raw-socket client even when AgentPulse.Client is there.</summary>
    public bool RawClient { get; init; }

    public static BenchSettings Full => new();

    public static BenchSettings QuickRun => new()
    {
        Quick = true,
        Runs = 2,
        BurstEvents = 500,
        WarmUp = TimeSpan.FromSeconds(1),
        LatencyDuration = TimeSpan.FromSeconds(1),
        RssConnections = 1000,
        HeldConnections = 0,
        Deadline = TimeSpan.FromSeconds(120),
    };

    public static BenchSettings Parse(string[] args)
    {
        var settings = args.Contains("--quick") ? QuickRun : Full;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--quick":
                    break;
                case "--raw":
                    settings = settings with { RawClient = true };
                    break;
                case "--runs":
                    settings = settings with { Runs = Math.Clamp(int.Parse(Next(), CultureInfo.InvariantCulture), 1, 20) };
                    break;
                case "--out":
                    settings = settings with { OutputDirectory = Next() };
                    break;
                case "--held":
                    settings = settings with { HeldConnections = Math.Clamp(int.Parse(Next(), CultureInfo.InvariantCulture), 0, 15_000) };
                    break;
                case "--rss":
                    settings = settings with { RssConnections = Math.Clamp(int.Parse(Next(), CultureInfo.InvariantCulture), 100, 10_000) };
                    break;
                default:
                    throw new ArgumentException($"Unknown option {args[i]}. Use --quick, --runs N, --rss N, --held N, --raw, --out DIR.");
            }
        }
        if (settings.OutputDirectory.Length == 0)
        {
            settings = settings with { OutputDirectory = Path.Combine(FindRepositoryRoot(), "bench", "results") };
        }
        return settings;
    }

    private static string FindRepositoryRoot()
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
