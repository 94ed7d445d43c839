using System.Net;
using System.Net.WebSockets;
using AgentPulse.Client.Internal;
using AgentPulse.Protocol;

namespace AgentPulse.Client;

public sealed partial class AgentPulseClient
{
    /// <summary>One connection from connect to end: opens the socket, runs its two loops, and closes it.</summary>
    private async Task<ConnectionEnd> ConnectOnceAsync(ClientRun run)
    {
        var sentTypes = subscriptions.ServerTypes;
        WebSocket socket;
        using (var timeout = new CancellationTokenSource(connectTimeout, time))
        using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(run.Stopping, timeout.Token))
        {
            try
            {
                var token = accessTokenProvider is null ? null : await accessTokenProvider(connecting.Token).ConfigureAwait(false);
                var after = position.After;
                var uri = ConnectUri.Build(url, sentTypes, after, position.Epoch, token, conflateProgress);
                LogConnecting(logger, ConnectUri.ForLog(uri), after);
                socket = await socketFactory(uri, connecting.Token).ConfigureAwait(false);
            }
            catch (Exception) when (run.Stopping.IsCancellationRequested)
            {
                return ConnectionEnd.Stopped;
            }
            catch (Exception ex) when (timeout.IsCancellationRequested)
            {
                LogConnectFailed(logger, ex);
                return ConnectionEnd.Failed(DisconnectReason.ConnectTimeout, new TimeoutException($"connect timed out after {connectTimeout.TotalSeconds:0.###} s", ex));
            }
            catch (Exception ex)
            {
                LogConnectFailed(logger, ex);
                var refused = ex is HttpRequestException { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden };
                return ConnectionEnd.Failed(refused ? DisconnectReason.Unauthorized : DisconnectReason.ConnectFailed, ex);
            }
        }

        using var connection = new Connection(socket, time, connectTimeout);
        live = connection;
        var sending = SendLoopAsync(connection, sentTypes);
        var receiving = ReceiveLoopAsync(connection, run);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ConnectionEnd end;
        using (run.Stopping.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), stopped))
        {
            if (await Task.WhenAny(receiving, stopped.Task).ConfigureAwait(false) != receiving)
            {
                // Stop: close (unless the stop did already) and give the server CloseTimeout to answer.
                connection.StopSending();
                await sending.ConfigureAwait(false);
                connection.AbortAfter(closeTimeout);
                var (code, text) = run.Close;
                await connection.CloseOutputAsync(code, text).ConfigureAwait(false);
                await receiving.ConfigureAwait(false);
                end = ConnectionEnd.Stopped;
            }
            else
            {
                end = await receiving.ConfigureAwait(false);
                connection.StopSending();
                await sending.ConfigureAwait(false);
                if (socket.State == WebSocketState.CloseReceived)
                {
                    // Complete the handshake the server began.
                    connection.AbortAfter(closeTimeout);
                    await connection.CloseOutputAsync(EchoCloseStatus(socket.CloseStatus), "").ConfigureAwait(false);
                }
            }
        }
        live = null;
        connection.StopWatchdog();
        return end;
    }

    /// <summary>
    /// The code to answer a server's close with: its own, where this platform may send it. A browser's
    /// WebSocket sends only 1000 and 3000–4999 and throws for the rest (the server's 1001 on shutdown
    /// among them), so there the answer is 1000.
    /// </summary>
    internal static WebSocketCloseStatus EchoCloseStatus(WebSocketCloseStatus? received) =>
        received is { } code && (!OperatingSystem.IsBrowser() || (int)code is CloseCodes.Normal or >= 3000 and <= 4999)
            ? code
            : WebSocketCloseStatus.NormalClosure;
}
