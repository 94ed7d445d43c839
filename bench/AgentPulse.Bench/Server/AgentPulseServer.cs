using System.Diagnostics.Metrics;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Server;

namespace AgentPulse.Bench.Server;

/// <summary>
/// The AgentPulse column's server: the real app, <see cref="AgentPulseApp.Build"/> (its event log, the
/// middleware, the OpenTelemetry metrics on the <c>AgentPulse</c> meter with the Prometheus exporter, the
/// agents, the web UI, the configuration and log levels of <c>appsettings.json</c>). The bench adds its <c>/bench</c>
/// endpoints, a listener on two of the library's counters, and a count of the log's reads (a wrapper
/// that forwards every call).
/// </summary>
internal static class AgentPulseServer
{
    public static WebApplication Build(string[] hostArgs)
    {
        var app = AgentPulseApp.Build(hostArgs, builder =>
        {
            CountingEventLog.Decorate(builder.Services);
            builder.Services.AddSingleton<AgentPulseCounters>();
            builder.Services.AddSingleton<IBenchServer, AgentPulseBenchServer>();
        });
        // Listening from the start, so that no measurement is missed.
        app.Services.GetRequiredService<AgentPulseCounters>();
        return app;
    }
}

internal sealed class AgentPulseBenchServer(IEventPublisher publisher, IAgentPulseConnections connections, AgentPulseCounters counters, CountingEventLog log) : IBenchServer
{
    public long Connections => connections.Count;

    public LibraryCounters Counters => new(counters.QueueOverflows, counters.Resumes, log.Reads);

    // The log assigns the seq; the call returns once the event is in the log and offered to every connection.
    public ValueTask PublishAsync(CloudEvent cloudEvent, long seq)
    {
        var published = publisher.PublishAsync(cloudEvent, EventAudience.Public);
        if (published.IsCompletedSuccessfully)
        {
            return ValueTask.CompletedTask;
        }
        return new ValueTask(published.AsTask());
    }
}

/// <summary>The library's <c>agentpulse.queue.overflows</c> and <c>agentpulse.resumes</c>, as a metrics listener sees them.</summary>
internal sealed class AgentPulseCounters : IDisposable
{
    private readonly MeterListener listener = new();
    private long overflows;
    private long resumes;

    public AgentPulseCounters()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "AgentPulse" && instrument.Name is "agentpulse.queue.overflows" or "agentpulse.resumes")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "agentpulse.queue.overflows")
            {
                Interlocked.Add(ref overflows, value);
            }
            else
            {
                Interlocked.Add(ref resumes, value);
            }
        });
        listener.Start();
    }

    public long QueueOverflows => Interlocked.Read(ref overflows);

    public long Resumes => Interlocked.Read(ref resumes);

    public void Dispose() => listener.Dispose();
}

/// <summary>
/// Forwards every call to the app's <see cref="IEventLog"/> and counts the reads: in a burst, each is a
/// connection catching up from the log after its send queue filled (or a resume).
/// </summary>
internal sealed class CountingEventLog(IEventLog inner) : IEventLog, IAsyncDisposable
{
    private long reads;

    public long Reads => Interlocked.Read(ref reads);

    public string Epoch => inner.Epoch;

    public long LastSeq => inner.LastSeq;

    public long FirstRetainedSeq => inner.FirstRetainedSeq;

    public Task StartAsync(IEventLogSink sink, CancellationToken cancellationToken = default) => inner.StartAsync(sink, cancellationToken);

    public ValueTask<IReadOnlyList<PublishResult>> AppendAsync(IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default) =>
        inner.AppendAsync(events, cancellationToken);

    public ValueTask<LogRead> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref reads);
        return inner.ReadAfterAsync(afterSeq, max, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        switch (inner)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>Wraps whatever <see cref="IEventLog"/> the app registered (the last registration wins, as it does for the app).</summary>
    public static void Decorate(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IEventLog) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("The app registers no IEventLog.");
        services.Remove(registered);
        services.AddSingleton(sp => new CountingEventLog(
            (IEventLog)(registered.ImplementationInstance
                ?? registered.ImplementationFactory?.Invoke(sp)
                ?? ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!))));
        services.AddSingleton<IEventLog>(sp => sp.GetRequiredService<CountingEventLog>());
    }
}
