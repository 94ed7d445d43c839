namespace AgentPulse.Bench.Load;

/// <summary>Where a connection hands every event it receives, on its own receive path.</summary>
internal interface IEventSink
{
    void OnEvent(int connection, string id);
}

/// <summary>
/// One client connection of the load process: AgentPulse.Client, the SignalR client, or (with
/// <c>--raw</c>) a raw <c>ClientWebSocket</c> that speaks the AgentPulse protocol.
/// </summary>
internal interface IBenchConnection : IAsyncDisposable
{
    /// <summary>Completes when the connection is up and ready for events (AgentPulse: welcome and snapshot read; SignalR: handshake done).</summary>
    Task ConnectAsync(CancellationToken cancellationToken);

    /// <summary>Drops the connection at once, without waiting for the server.</summary>
    void Abort();
}

/// <summary>An AgentPulse connection: knows the last seq it saw, and can leave and come back after it.</summary>
internal interface IResumableConnection : IBenchConnection
{
    /// <summary>The seq the next connect resumes after.</summary>
    long Position { get; }

    /// <summary>Closes the connection, keeping <see cref="Position"/>.</summary>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>Connects again with <c>after=</c><see cref="Position"/>; completes when the server has welcomed it (the replay follows).</summary>
    Task ResumeAsync(CancellationToken cancellationToken);
}

internal interface IBenchClientFactory
{
    /// <summary>What the JSON report says the clients are.</summary>
    string Description { get; }

    /// <param name="index">The connection's number in its set, passed back to the sink.</param>
    IBenchConnection Create(Uri server, int index, IEventSink sink);
}
