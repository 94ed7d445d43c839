using System.Diagnostics.Metrics;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>The server's instruments, in the OpenTelemetry naming convention, on the meter <c>AgentPulse</c>.</summary>
internal sealed class AgentPulseMetrics
{
    public const string MeterName = "AgentPulse";

    private readonly UpDownCounter<long> connections;
    private readonly Counter<long> eventsPublished;
    private readonly Counter<long> framesSent;
    private readonly Counter<long> eventsConflated;
    private readonly Counter<long> queueOverflows;
    private readonly Counter<long> catchUps;
    private readonly Counter<long> resumes;
    private readonly Counter<long> refusals;

    public AgentPulseMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        connections = meter.CreateUpDownCounter<long>("agentpulse.connections", "{connection}", "Open WebSocket connections.");
        eventsPublished = meter.CreateCounter<long>("agentpulse.events.published", "{event}", "Events appended to the log.");
        framesSent = meter.CreateCounter<long>("agentpulse.frames.sent", "{frame}", "Frames sent to connections.");
        eventsConflated = meter.CreateCounter<long>("agentpulse.events.conflated", "{event}", "task.progress events not sent to a connection that asked for conflation (a newer one took their place).");
        queueOverflows = meter.CreateCounter<long>("agentpulse.queue.overflows", "{connection}", "Connections closed with 4008 because their send queue overflowed.");
        catchUps = meter.CreateCounter<long>("agentpulse.queue.catchups", "{catchup}", "Times a connection's writer sent from the log what its send queue could not hold (a resume's replay included).");
        resumes = meter.CreateCounter<long>("agentpulse.resumes", "{connection}", "Connections that asked to resume, by whether they were recovered.");
        refusals = meter.CreateCounter<long>("agentpulse.connections.refused", "{connection}", "Upgrades refused with 503 past a connection cap, by reason (server_full, address_full).");
    }

    public void ConnectionOpened() => connections.Add(1);

    public void ConnectionClosed() => connections.Add(-1);

    public void EventPublished() => eventsPublished.Add(1);

    public void FramesSent(int count) => framesSent.Add(count);

    public void EventsConflated(long count) => eventsConflated.Add(count);

    public void QueueOverflowed() => queueOverflows.Add(1);

    public void CaughtUp() => catchUps.Add(1);

    public void ConnectionRefused(string reason) => refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Resumed(bool recovered) => resumes.Add(1, new KeyValuePair<string, object?>("recovered", recovered));
}
