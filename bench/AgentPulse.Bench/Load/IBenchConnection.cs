namespace AgentPulse.Bench.Load;

/// <summary>Where a connection hands every event it receives, on its own receive path.</summary>
internal interface IEventSink
{
    void OnEvent(int connection, string id);
}

/// <summary>
/// One client connection of the load process. The AgentPulse side is a raw <c>ClientWebSocket</c>
/// for now (AgentPulse.Client has not landed yet); this seam is where the real client goes.
/// </summary>
internal interface IBenchConnection : IAsyncDisposable
{
    /// <summary>Completes when the connection is up and ready for events (AgentPulse: welcome and snapshot read; SignalR: handshake done).</summary>
    Task ConnectAsync(CancellationToken cancellationToken);

    /// <summary>Drops the connection at once, without waiting for the server.</summary>
    void Abort();
}

/// <summary>An AgentPulse connection: knows the last seq it saw, to resume after it.</summary>
internal interface IResumableConnection : IBenchConnection
{
    long Position { get; }
}

internal interface IBenchClientFactory
{
    /// <param name="index">The connection's number in its set, passed back to the sink.</param>
    /// <param name="resumeAfter">AgentPulse only: resume after this seq.</param>
    IBenchConnection Create(Uri server, int index, IEventSink sink, long? resumeAfter = null);
}
