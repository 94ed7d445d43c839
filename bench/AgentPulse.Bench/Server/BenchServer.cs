using System.Diagnostics;
using System.Runtime;
using AgentPulse.Protocol;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AgentPulse.Bench.Server;

/// <summary>
/// A server process of the bench: AgentPulse (the real <c>AgentPulse.Server</c> app), a SignalR hub, or
/// the hand-written broadcaster. Each gets the same loopback control endpoints under <c>/bench</c>,
/// which publish in-process.
/// </summary>
internal static class BenchServer
{
    /// <summary>Printed on stdout once Kestrel listens; the load process waits for it.</summary>
    public const string ListeningLine = "BENCH-LISTENING ";

    /// <param name="hostArgs">The host's command line (<c>--urls</c>, <c>--contentRoot</c>, configuration keys).</param>
    public static async Task<int> RunAsync(ServerKind kind, string[] hostArgs)
    {
        await using var app = kind switch
        {
            ServerKind.AgentPulse => AgentPulseServer.Build(hostArgs),
            ServerKind.SignalR => SignalRServer.Build(hostArgs),
            ServerKind.Raw => RawServer.Build(hostArgs),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        MapControl(app);

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine(ListeningLine + address);
        Console.Out.Flush();

        // Ends when the load process kills us, or closes our stdin.
        var stdinClosed = Task.Run(() => Console.In.ReadToEnd());
        await Task.WhenAny(stdinClosed, app.WaitForShutdownAsync());
        await app.StopAsync(TimeSpan.FromSeconds(2));
        return 0;
    }

    private static void MapControl(WebApplication app)
    {
        var control = app.MapGroup("/bench");
        control.MapGet("/clock", () => Results.Json(new ClockReply(Stopwatch.GetTimestamp(), Stopwatch.Frequency), BenchJsonContext.Default.ClockReply));
        control.MapGet("/connections", (IBenchServer server) => Results.Json(new CountReply(server.Connections), BenchJsonContext.Default.CountReply));
        control.MapGet("/info", (IBenchServer server) =>
        {
            var counters = server.Counters;
            var gc = GC.GetConfigurationVariables();
            var settings = string.Join(", ", gc
                .Where(k => k.Key is "ServerGC" or "ConcurrentGC" or "HeapCount" or "GCDynamicAdaptationMode" || k.Key.Contains("gen0size", StringComparison.OrdinalIgnoreCase))
                .Select(k => $"{k.Key}={k.Value}"));
            return Results.Json(
                new ServerInfo(GCSettings.IsServerGC, settings, counters.QueueOverflows, counters.Resumes, counters.LogReads),
                BenchJsonContext.Default.ServerInfo);
        });
        control.MapPost("/gc", () =>
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            return Results.Json(new CountReply(GC.GetTotalMemory(false)), BenchJsonContext.Default.CountReply);
        });
        control.MapPost("/publish", async (int phase, int count, int rate, IBenchServer server, CancellationToken cancellationToken) =>
        {
            if (count is < 1 or > 1_000_000 || rate is < 0 or > 1_000_000)
            {
                return Results.BadRequest();
            }
            var reply = await PublishAsync(server, phase, count, rate, cancellationToken);
            return Results.Json(reply, BenchJsonContext.Default.PublishReply);
        });
    }

    /// <summary>
    /// Publishes <paramref name="count"/> events, as fast as the server takes them (rate 0) or paced to
    /// <paramref name="rate"/> per second. Each event is stamped just before it is handed over.
    /// </summary>
    private static async Task<PublishReply> PublishAsync(IBenchServer server, int phase, int count, int rate, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var interval = rate == 0 ? 0 : Stopwatch.Frequency / rate;
        long first = 0;
        long last = 0;
        for (var i = 0; i < count; i++)
        {
            if (interval > 0)
            {
                // Paced against the schedule, so that a late event does not push back the ones after it.
                var due = start + (i * interval);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, cancellationToken);
                }
            }
            var now = Stopwatch.GetTimestamp();
            if (i == 0)
            {
                first = now;
            }
            last = now;
            await server.PublishAsync(BenchEvents.Create(phase, i, count, now), i + 1L);
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new PublishReply(count, first, last, elapsed.TotalMilliseconds);
    }
}

internal enum ServerKind
{
    /// <summary>The real AgentPulse.Server app.</summary>
    AgentPulse,

    /// <summary>An ASP.NET Core SignalR hub.</summary>
    SignalR,

    /// <summary>The hand-written Kestrel WebSocket broadcaster.</summary>
    Raw,
}

/// <summary>What the control endpoints need of a server.</summary>
internal interface IBenchServer
{
    /// <summary>Connections the server holds now, ready for events.</summary>
    long Connections { get; }

    /// <summary>What the library counted (AgentPulse only).</summary>
    LibraryCounters Counters { get; }

    /// <summary>Hands one event to the server library, as an app would.</summary>
    /// <param name="seq">The event's number in its phase from 1, for servers without a log of their own to number it.</param>
    ValueTask PublishAsync(CloudEvent cloudEvent, long seq);
}

/// <param name="QueueOverflows">Connections closed because their send queue overflowed; -1 when the server has no such counter.</param>
/// <param name="Resumes">Connections that asked to resume; -1 when none.</param>
/// <param name="LogReads">Reads of the event log (catch-ups and resumes); -1 when none.</param>
internal sealed record LibraryCounters(long QueueOverflows, long Resumes, long LogReads)
{
    public static readonly LibraryCounters None = new(-1, -1, -1);
}
