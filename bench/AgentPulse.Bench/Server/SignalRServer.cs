using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using AgentPulse.Protocol;
using Microsoft.AspNetCore.SignalR;

namespace AgentPulse.Bench.Server;

/// <summary>
/// The SignalR column's server: a strongly typed hub at <c>/hub</c>, JSON protocol (with the protocol's
/// source-generated metadata, so the event is written as AgentPulse writes it), and the broadcast loop of
/// SignalR's documentation for sending from outside a hub: a <see cref="BackgroundService"/> that awaits
/// <c>IHubContext&lt;THub, T&gt;.Clients.All</c> once per event. Events reach it through a channel.
/// </summary>
internal static class SignalRServer
{
    public static WebApplication Build(string[] hostArgs)
    {
        var builder = BaselineHosting.CreateBuilder(hostArgs, "Microsoft.AspNetCore.Http.Connections");
        builder.Services.AddSignalR().AddJsonProtocol(o =>
        {
            o.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, AgentPulseJsonContext.Default);
            o.PayloadSerializerOptions.TypeInfoResolverChain.Add(new DefaultJsonTypeInfoResolver());
        });
        builder.Services.AddSingleton<ConnectionCounter>();
        builder.Services.AddSingleton<SignalRBroadcaster>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SignalRBroadcaster>());
        builder.Services.AddSingleton<IBenchServer>(sp => sp.GetRequiredService<SignalRBroadcaster>());
        return BaselineHosting.Build(builder, app => app.MapHub<BenchHub>("/hub"));
    }
}

/// <summary>What the hub's clients can be sent.</summary>
public interface IBenchClient
{
    /// <summary>One event (the client method <c>Event</c>).</summary>
    Task Event(CloudEvent cloudEvent);
}

/// <summary>The hub: clients only listen; it counts them.</summary>
internal sealed class BenchHub(ConnectionCounter counter) : Hub<IBenchClient>
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

/// <summary>The broadcast loop: one awaited <c>Clients.All.Event</c> per event, in order.</summary>
internal sealed class SignalRBroadcaster(IHubContext<BenchHub, IBenchClient> hub, ConnectionCounter counter) : BackgroundService, IBenchServer
{
    // Far above any burst of the bench, so that handing an event over never waits; bounded all the same.
    private readonly Channel<CloudEvent> events = Channel.CreateBounded<CloudEvent>(new BoundedChannelOptions(100_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    public long Connections => counter.Count;

    public LibraryCounters Counters => LibraryCounters.None;

    // SignalR has no log: number the events here, so that the frame has the same fields.
    public ValueTask PublishAsync(CloudEvent cloudEvent, long seq) => events.Writer.WriteAsync(cloudEvent with { Seq = seq });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var cloudEvent in events.Reader.ReadAllAsync(stoppingToken))
        {
            await hub.Clients.All.Event(cloudEvent);
        }
    }
}

internal sealed class ConnectionCounter
{
    private long count;

    public long Count => Interlocked.Read(ref count);

    public void Add(int delta) => Interlocked.Add(ref count, delta);
}
