using System.Net.WebSockets;
using System.Text.Json;
using AgentPulse.Protocol;

namespace AgentPulse.Bench.Load;

/// <summary>
/// The protocol over a bare <see cref="ClientWebSocket"/>: one receive loop, each event deserialized
/// as a <see cref="CloudEvent"/> (as a client must, to hand it to a handler) and passed to the sink.
/// </summary>
internal sealed class RawAgentPulseConnection : IResumableConnection
{
    private readonly Uri server;
    private readonly int index;
    private readonly IEventSink sink;
    private ClientWebSocket socket = new();
    private TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task receiving = Task.CompletedTask;
    private long position;

    public RawAgentPulseConnection(Uri server, int index, IEventSink sink)
    {
        this.server = server;
        this.index = index;
        this.sink = sink;
    }

    public long Position => Volatile.Read(ref position);

    public Task ConnectAsync(CancellationToken cancellationToken) => OpenAsync(after: null, cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        socket.Abort();
        await receiving.WaitAsync(cancellationToken);
        socket.Dispose();
    }

    public Task ResumeAsync(CancellationToken cancellationToken) => OpenAsync(Position, cancellationToken);

    private async Task OpenAsync(long? after, CancellationToken cancellationToken)
    {
        // Filtering on: the subscription is a pattern, not "everything".
        var query = "types=task.*" + (after is { } seq ? $"&after={seq}" : "");
        socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await socket.ConnectAsync(new UriBuilder(server) { Scheme = "ws", Path = "/ws/agents", Query = query }.Uri, cancellationToken);
        receiving = ReceiveLoopAsync(socket, ready);
        await ready.Task.WaitAsync(cancellationToken);
    }

    private async Task ReceiveLoopAsync(ClientWebSocket socket, TaskCompletionSource ready)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                var length = result.Count;
                while (!result.EndOfMessage)
                {
                    if (length == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                }
                Handle(buffer.AsSpan(0, length), ready);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or JsonException)
        {
        }
        finally
        {
            ready.TrySetException(new WebSocketException("The connection closed before the session was ready."));
        }
    }

    private void Handle(ReadOnlySpan<byte> frame, TaskCompletionSource ready)
    {
        var type = Frames.ReadType(frame);
        if (type is null)
        {
            return;
        }
        if (type.StartsWith(EventTypes.SessionPrefix, StringComparison.Ordinal))
        {
            if (type == EventTypes.SessionWelcome)
            {
                var welcome = JsonSerializer.Deserialize(frame, AgentPulseJsonContext.Default.SessionFrameSessionWelcome)!.Data;
                Volatile.Write(ref position, welcome.Seq);
                if (welcome.Recovered)
                {
                    ready.TrySetResult(); // no snapshot follows; the replay does
                }
            }
            else if (type == EventTypes.SessionSnapshot)
            {
                ready.TrySetResult();
            }
            return;
        }
        var cloudEvent = JsonSerializer.Deserialize(frame, AgentPulseJsonContext.Default.CloudEvent)!;
        Volatile.Write(ref position, cloudEvent.Seq);
        sink.OnEvent(index, cloudEvent.Id);
    }

    public void Abort() => socket.Abort();

    public async ValueTask DisposeAsync()
    {
        socket.Abort();
        await receiving;
        socket.Dispose();
    }
}

internal sealed class RawAgentPulseClientFactory : IBenchClientFactory
{
    public string Description => "raw ClientWebSocket speaking the AgentPulse protocol (each event deserialized as a CloudEvent)";

    public IBenchConnection Create(Uri server, int index, IEventSink sink) => new RawAgentPulseConnection(server, index, sink);
}
