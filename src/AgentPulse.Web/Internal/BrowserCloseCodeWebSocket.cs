using System.Net.WebSockets;

namespace AgentPulse.Web.Internal;

/// <summary>
/// Passes everything to the browser's socket, except close codes the browser refuses to send.
/// </summary>
/// <remarks>
/// A browser's <c>WebSocket.close(code)</c> accepts only 1000 and 3000–4999; .NET's browser socket throws
/// <see cref="ArgumentException"/> for anything else. The client answers a server's close by echoing its
/// code, so a server shutting down (1001) would make it throw and stop instead of reconnecting. Here such
/// an echo becomes 1000, which the browser sends.
/// </remarks>
internal sealed class BrowserCloseCodeWebSocket(WebSocket inner) : WebSocket
{
    public override WebSocketCloseStatus? CloseStatus => inner.CloseStatus;

    public override string? CloseStatusDescription => inner.CloseStatusDescription;

    public override WebSocketState State => inner.State;

    public override string? SubProtocol => inner.SubProtocol;

    /// <summary>The code the browser can send in place of <paramref name="status"/>.</summary>
    public static WebSocketCloseStatus Sendable(WebSocketCloseStatus status) =>
        (int)status is 1000 or (>= 3000 and <= 4999) ? status : WebSocketCloseStatus.NormalClosure;

    public override void Abort() => inner.Abort();

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        inner.CloseAsync(Sendable(closeStatus), statusDescription, cancellationToken);

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        inner.CloseOutputAsync(Sendable(closeStatus), statusDescription, cancellationToken);

    public override void Dispose() => inner.Dispose();

    public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
        inner.ReceiveAsync(buffer, cancellationToken);

    public override ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        inner.ReceiveAsync(buffer, cancellationToken);

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, WebSocketMessageFlags messageFlags, CancellationToken cancellationToken) =>
        inner.SendAsync(buffer, messageType, messageFlags, cancellationToken);
}
