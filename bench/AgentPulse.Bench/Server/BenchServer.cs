using System.Diagnostics;
using System.Text.Json.Serialization.Metadata;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR;

namespace AgentPulse.Bench.Server;

/// <summary>
/// A server process of the bench: AgentPulse (the real server library, as the app configures it:
/// sequencer, in-memory log, task snapshots, type filtering) or a SignalR hub that broadcasts the
/// same CloudEvents with <c>Clients.All</c>. Both get the same loopback control endpoints under
/// <c>/bench</c>, which publish in-process.
/// </summary>
internal static class BenchServer
{
    /// <summary>Printed on stdout once Kestrel listens; the load process waits for it.</summary>
    public const string ListeningLine = "BENCH-LISTENING ";

    public static async Task<int> RunAsync(ServerKind kind, int port)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        builder.Services.AddSingleton<ConnectionCounter>();
        if (kind == ServerKind.AgentPulse)
        {
            // The server's defaults, as AgentPulse.Server registers it.
            builder.Services.AddAgentPulse().AddTaskSnapshots();
            builder.Services.AddSingleton<IBenchPublisher, AgentPulsePublisher>();
        }
        else if (kind == ServerKind.Experiment)
        {
            builder.Services.AddSingleton<ExperimentHub>();
            builder.Services.AddSingleton<IBenchPublisher>(sp => sp.GetRequiredService<ExperimentHub>());
        }
        else
        {
            builder.Services.AddSignalR().AddJsonProtocol(o =>
            {
                // The same source-generated metadata as AgentPulse, so both serialize the same way.
                o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AgentPulseJsonContext.Default);
                o.PayloadSerializerOptions.TypeInfoResolverChain.Add(new DefaultJsonTypeInfoResolver());
            });
            builder.Services.AddSingleton<IBenchPublisher, SignalRPublisher>();
        }

        await using var app = builder.Build();
        if (kind == ServerKind.AgentPulse)
        {
            app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
            app.MapAgentPulse("/ws/agents");
        }
        else if (kind == ServerKind.Experiment)
        {
            CoalescingExperiment.Map(app);
        }
        else
        {
            app.MapHub<BenchHub>("/hub");
        }
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
        control.MapGet("/connections", (IServiceProvider sp) =>
        {
            var count = sp.GetService<IAgentPulseConnections>()?.Count
                ?? sp.GetService<ExperimentHub>()?.Count
                ?? sp.GetRequiredService<ConnectionCounter>().Count;
            return Results.Json(new CountReply(count), BenchJsonContext.Default.CountReply);
        });
        control.MapPost("/gc", () =>
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            return Results.Json(new CountReply(GC.GetTotalMemory(false)), BenchJsonContext.Default.CountReply);
        });
        control.MapPost("/publish", async (int phase, int count, int rate, IBenchPublisher publisher, CancellationToken cancellationToken) =>
        {
            if (count is < 1 or > 1_000_000 || rate is < 0 or > 1_000_000)
            {
                return Results.BadRequest();
            }
            var reply = await PublishAsync(publisher, phase, count, rate, cancellationToken);
            return Results.Json(reply, BenchJsonContext.Default.PublishReply);
        });
    }

    /// <summary>Publishes <paramref name="count"/> events, as fast as the library takes them (rate 0) or paced to <paramref name="rate"/> per second.</summary>
    private static async Task<PublishReply> PublishAsync(IBenchPublisher publisher, int phase, int count, int rate, CancellationToken cancellationToken)
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
            await publisher.PublishAsync(BenchEvents.Create(phase, i, count, now), i + 1L);
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new PublishReply(count, first, last, elapsed.TotalMilliseconds);
    }
}

internal enum ServerKind
{
    AgentPulse,
    SignalR,

    /// <summary>The send-path experiment (<see cref="CoalescingExperiment"/>), for <c>--profile experiment</c> only.</summary>
    Experiment,
}

internal interface IBenchPublisher
{
    ValueTask PublishAsync(CloudEvent cloudEvent, long seq);
}

internal sealed class AgentPulsePublisher(IEventPublisher publisher) : IBenchPublisher
{
    // The log assigns the seq; the event returns once it is in the log and offered to every connection.
    public async ValueTask PublishAsync(CloudEvent cloudEvent, long seq) =>
        await publisher.PublishAsync(cloudEvent, EventAudience.Public);
}

internal sealed class SignalRPublisher(IHubContext<BenchHub> hub) : IBenchPublisher
{
    // SignalR has no log: number the events here, so that the frame has the same fields.
    public ValueTask PublishAsync(CloudEvent cloudEvent, long seq) =>
        new(hub.Clients.All.SendAsync(BenchEvents.SignalRMethod, cloudEvent with { Seq = seq }));
}

/// <summary>The baseline hub: clients only listen.</summary>
internal sealed class BenchHub(ConnectionCounter counter) : Hub
{
    public override Task OnConnectedAsync()
    {
        counter.Add(1);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        counter.Add(-1);
        return Task.CompletedTask;
    }
}

internal sealed class ConnectionCounter
{
    private long count;

    public long Count => Interlocked.Read(ref count);

    public void Add(int delta) => Interlocked.Add(ref count, delta);
}
