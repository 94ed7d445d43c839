using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using AgentPulse.Protocol;

namespace AgentPulse.Client.Tests;

/// <summary>A WebSocket whose server side is the test: it pushes frames and reads what the client sent.</summary>
internal sealed class ScriptedWebSocket : WebSocket
{
    private readonly Channel<(byte[]? Frame, int CloseCode, string? CloseText)> inbound = Channel.CreateUnbounded<(byte[]?, int, string?)>();
    private readonly Channel<string> sent = Channel.CreateUnbounded<string>();
    private WebSocketState state = WebSocketState.Open;
    private WebSocketCloseStatus? closeStatus;
    private string? closeStatusDescription;
    private byte[]? partial;
    private int partialOffset;

    public ScriptedWebSocket(Uri uri) => Uri = uri;

    public Uri Uri { get; }

    /// <summary>The close the client sent: its code and text.</summary>
    public TaskCompletionSource<(WebSocketCloseStatus Code, string? Text)> ClientClosed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override WebSocketCloseStatus? CloseStatus => closeStatus;

    public override string? CloseStatusDescription => closeStatusDescription;

    public override WebSocketState State => state;

    public override string? SubProtocol => null;

    public void Push(byte[] frame) => inbound.Writer.TryWrite((frame, 0, null));

    public void PushWelcome(string epoch = "e1", long seq = 0, bool recovered = false, int heartbeatSeconds = 15, string connectionId = "c1")
    {
        Push(Frames.Welcome(new SessionWelcome(1, connectionId, epoch, seq, recovered, heartbeatSeconds)));
        if (!recovered)
        {
            Push(Frames.Snapshot(new SessionSnapshot([])));
        }
    }

    public void PushEvent(long seq, int index = 0) =>
        Push(Frames.Event(CloudEvent.Create(new TaskProgress("t1", 0.5, "indexing", $"step {index}", index, null), "/tests", id: $"e{seq}") with { Seq = seq }));

    /// <summary>The server closes with <paramref name="code"/>.</summary>
    public void PushClose(int code, string text = "") => inbound.Writer.TryWrite((null, code, text));

    /// <summary>The next operation the client sent, as JSON text.</summary>
    public async Task<string> NextSentAsync() => await sent.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait);

    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (partial is null)
        {
            (byte[]? Frame, int CloseCode, string? CloseText) item;
            try
            {
                item = await inbound.Reader.ReadAsync(cancellationToken);
            }
            catch (ChannelClosedException)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "aborted");
            }
            if (item.Frame is null)
            {
                closeStatus = (WebSocketCloseStatus)item.CloseCode;
                closeStatusDescription = item.CloseText;
                state = state == WebSocketState.CloseSent ? WebSocketState.Closed : WebSocketState.CloseReceived;
                return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, true);
            }
            partial = item.Frame;
            partialOffset = 0;
        }
        var count = Math.Min(buffer.Length, partial.Length - partialOffset);
        partial.AsMemory(partialOffset, count).CopyTo(buffer);
        partialOffset += count;
        var end = partialOffset == partial.Length;
        if (end)
        {
            partial = null;
        }
        return new ValueWebSocketReceiveResult(count, WebSocketMessageType.Text, end);
    }

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await ReceiveAsync(buffer.AsMemory(), cancellationToken);
        return new WebSocketReceiveResult(result.Count, result.MessageType, result.EndOfMessage, closeStatus, closeStatusDescription);
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (state != WebSocketState.Open && state != WebSocketState.CloseReceived)
        {
            throw new WebSocketException(WebSocketError.InvalidState, "not open");
        }
        sent.Writer.TryWrite(Encoding.UTF8.GetString(buffer.Span));
        return default;
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        ClientClosed.TrySetResult((closeStatus, statusDescription));
        if (state == WebSocketState.CloseReceived)
        {
            state = WebSocketState.Closed;
        }
        else
        {
            state = WebSocketState.CloseSent;
            // The server answers a close with its own.
            inbound.Writer.TryWrite((null, (int)closeStatus, statusDescription));
        }
        return Task.CompletedTask;
    }

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    public override void Abort()
    {
        state = WebSocketState.Aborted;
        inbound.Writer.TryComplete();
        Aborted.TrySetResult();
    }

    public override void Dispose()
    {
        if (state != WebSocketState.Closed)
        {
            state = WebSocketState.Aborted;
        }
        inbound.Writer.TryComplete();
    }
}

/// <summary>The socket factory of a scripted server: refuses or opens <see cref="ScriptedWebSocket"/>s, and records every connect.</summary>
internal sealed class SocketScript
{
    private readonly Channel<ScriptedWebSocket> opened = Channel.CreateUnbounded<ScriptedWebSocket>();
    private readonly Lock gate = new();
    private readonly List<Uri> uris = [];
    private int calls;

    /// <summary>Whether the connect with this index (from 0) is refused.</summary>
    public Func<int, bool> Refuse { get; set; } = _ => false;

    public int Calls => Volatile.Read(ref calls);

    public IReadOnlyList<Uri> Uris
    {
        get
        {
            lock (gate)
            {
                return [.. uris];
            }
        }
    }

    public ValueTask<WebSocket> ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        var index = Interlocked.Increment(ref calls) - 1;
        lock (gate)
        {
            uris.Add(uri);
        }
        if (Refuse(index))
        {
            throw new WebSocketException("refused");
        }
        var socket = new ScriptedWebSocket(uri);
        opened.Writer.TryWrite(socket);
        return ValueTask.FromResult<WebSocket>(socket);
    }

    /// <summary>The next socket the client opened.</summary>
    public async Task<ScriptedWebSocket> NextOpenedAsync() => await opened.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Wait);
}
