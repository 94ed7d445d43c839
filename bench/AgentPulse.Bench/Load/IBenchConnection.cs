using System.Net;
using AgentPulse.Protocol;

namespace AgentPulse.Bench.Load;

/// <summary>Where a connection hands every event it receives, decoded, on its own delivery path.</summary>
internal interface IEventSink
{
    /// <param name="connection">The connection's number in its set.</param>
    /// <param name="id">The envelope's id (phase, index, send time).</param>
    /// <param name="progress">The payload, decoded into its type.</param>
    void OnEvent(int connection, string id, TaskProgress progress);
}

/// <summary>One client connection of the load process: AgentPulse.Client, the SignalR client, or a bare <c>ClientWebSocket</c>.</summary>
internal interface IBenchConnection : IAsyncDisposable
{
    /// <summary>Completes when the client is connected and ready for events (AgentPulse: welcome read; SignalR: handshake done; raw: the upgrade done).</summary>
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
    /// <summary>What the report says the clients are.</summary>
    string Description { get; }

    /// <param name="index">The connection's number in its set, passed back to the sink.</param>
    /// <param name="localAddress">The loopback address to connect from (see <see cref="SourceAddresses"/>); <c>null</c>: the client's own default socket.</param>
    IBenchConnection Create(Uri server, int index, IEventSink sink, IPAddress? localAddress);
}
