using System.Net.WebSockets;

namespace AgentPulse;

/// <summary>
/// "The socket went away": what a WebSocket's send, receive or close throws when the peer left, the
/// network failed, the request was aborted or our own side already closed or disposed it. One filter
/// for every loop that talks to a socket, in the server library and in the client (a linked file).
/// </summary>
internal static class SocketErrors
{
    /// <summary>Whether <paramref name="exception"/> means the socket is gone (not a bug to report).</summary>
    public static bool IsGone(Exception exception) =>
        exception is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException;
}
