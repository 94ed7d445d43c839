using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.Testing;

/// <summary>The measurements of one host's instruments (its own meters, not those of hosts that run beside it).</summary>
public static class Meters
{
    /// <summary>Calls <paramref name="onMeasurement"/> with every measurement of <paramref name="instrumentName"/> until the host stops.</summary>
    public static void Listen(AppHost server, string instrumentName, Action<long> onMeasurement)
    {
        ArgumentNullException.ThrowIfNull(server);
        var meters = server.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == instrumentName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => onMeasurement(value));
        listener.Start();
        server.App.Lifetime.ApplicationStopped.Register(listener.Dispose);
    }

    /// <summary>One item each time the host has closed a connection and given its place back.</summary>
    public static ChannelReader<long> ConnectionsClosed(AppHost server)
    {
        var closed = Channel.CreateUnbounded<long>();
        Listen(server, "agentpulse.connections", value =>
        {
            if (value < 0)
            {
                closed.Writer.TryWrite(value);
            }
        });
        return closed.Reader;
    }
}
