using System.Net.WebSockets;
using System.Text.Json;
using AgentPulse.Client.Internal;
using AgentPulse.Protocol;

namespace AgentPulse.Client;

public sealed partial class AgentPulseClient
{
    private const int InitialReceiveBuffer = 16 * 1024;
    private const int MaxFrameBytes = 64 * 1024 * 1024;

    /// <summary>
    /// The connection loop: the only code that changes <see cref="State"/>. One attempt at a time; between
    /// attempts it waits as the policy says, or for <see cref="ReconnectNowAsync"/>; it gives up into
    /// Disconnected, where only <see cref="ReconnectNowAsync"/> or a stop moves it.
    /// </summary>
    private async Task RunAsync(Run run)
    {
        // Leave the caller's context: the loop must not run on a UI's synchronization context.
        await Task.Yield();
        var everConnected = false;
        var attempt = 0; // 0: an attempt the policy did not schedule
        var roundStarted = time.GetTimestamp();
        var fresh = true;
        try
        {
            while (!run.Stopping.IsCancellationRequested)
            {
                if (attempt == 0)
                {
                    // A fresh start has no reason yet; a retry asked for keeps the reason it retries.
                    SetStatus(status with
                    {
                        State = everConnected ? ConnectionState.Reconnecting : ConnectionState.Connecting,
                        Attempt = 0,
                        NextDelay = null,
                        Reason = fresh ? null : status.Reason,
                        ConnectionId = null,
                    });
                    fresh = false;
                }
                var end = await ConnectOnceAsync(run).ConfigureAwait(false);
                if (run.Stopping.IsCancellationRequested)
                {
                    break;
                }
                everConnected |= end.Welcomed;
                if (end.Terminal)
                {
                    LogEnded(logger, end.CloseCode, end.Reason);
                    if (!await DisconnectedAsync(run, status with { State = ConnectionState.Disconnected, Attempt = 0, NextDelay = null, Reason = end.Reason, CloseCode = end.CloseCode ?? status.CloseCode, CloseReason = end.CloseReason ?? status.CloseReason, ConnectionId = null }).ConfigureAwait(false))
                    {
                        break;
                    }
                    attempt = 0;
                    roundStarted = time.GetTimestamp();
                    continue;
                }

                if (end.Welcomed)
                {
                    roundStarted = time.GetTimestamp();
                }
                var next = end.Welcomed ? 1 : attempt + 1;
                var delay = NextDelay(next, time.GetElapsedTime(roundStarted), end);
                var closeCode = end.CloseCode ?? status.CloseCode;
                var closeReason = end.CloseCode is null ? status.CloseReason : end.CloseReason;
                if (delay is not { } wait)
                {
                    var reason = (next - 1) switch
                    {
                        0 => $"gave up: {end.Reason}",
                        1 => $"gave up after 1 attempt: {end.Reason}",
                        var n => $"gave up after {n} attempts: {end.Reason}",
                    };
                    LogGaveUp(logger, next - 1, end.Reason);
                    if (!await DisconnectedAsync(run, new ConnectionStatus(ConnectionState.Disconnected, next - 1, null, reason, closeCode, closeReason)).ConfigureAwait(false))
                    {
                        break;
                    }
                    attempt = 0;
                    roundStarted = time.GetTimestamp();
                    continue;
                }

                // Arm the timer before announcing it, so that whoever sees the status may advance a fake clock.
                using var waitEnd = CancellationTokenSource.CreateLinkedTokenSource(run.Stopping);
                var delaying = Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, time, waitEnd.Token);
                SetStatus(new ConnectionStatus(everConnected ? ConnectionState.Reconnecting : ConnectionState.Connecting, next, wait, end.Reason, closeCode, closeReason));
                var woken = run.ReconnectNow.Reader.WaitToReadAsync(waitEnd.Token).AsTask();
                var first = await Task.WhenAny(delaying, woken).ConfigureAwait(false);
                // The other one ends cancelled; nothing needs to await it.
                await waitEnd.CancelAsync().ConfigureAwait(false);
                if (run.Stopping.IsCancellationRequested)
                {
                    break;
                }
                if (first == woken && woken.IsCompletedSuccessfully && woken.Result)
                {
                    run.DrainReconnectNow();
                    attempt = 0;
                    roundStarted = time.GetTimestamp();
                }
                else
                {
                    attempt = next;
                }
            }
        }
        catch (Exception ex)
        {
            // Nothing above should throw; if it does, say so rather than hang.
            LogLoopFailed(logger, ex);
        }
        finally
        {
            bool isDisposed;
            lock (gate)
            {
                isDisposed = disposed;
            }
            SetStatus(status with
            {
                State = isDisposed ? ConnectionState.Closed : ConnectionState.Disconnected,
                Attempt = 0,
                NextDelay = null,
                Reason = isDisposed ? "disposed" : "stopped",
                ConnectionId = null,
            });
            run.FirstConnection.TrySetCanceled();
            lock (gate)
            {
                if (current == run)
                {
                    current = null; // StartAsync may begin a new run
                }
            }
            run.Finished.TrySetResult();
        }
    }

    /// <summary>Asks the policy; a policy (or random source) that throws gives up rather than ending the loop.</summary>
    private TimeSpan? NextDelay(int attempt, TimeSpan elapsed, ConnectionEnd end)
    {
        try
        {
            return policy.NextDelay(new ReconnectContext(attempt, elapsed, random(), end.Reason, end.CloseCode));
        }
        catch (Exception ex)
        {
            LogPolicyFailed(logger, policy.GetType().Name, ex);
            return null;
        }
    }

    /// <summary>Enters Disconnected and waits there; <c>true</c> when asked to reconnect, <c>false</c> when stopped.</summary>
    private async Task<bool> DisconnectedAsync(Run run, ConnectionStatus disconnected)
    {
        SetStatus(disconnected);
        run.FirstConnection.TrySetException(new AgentPulseException(disconnected));
        // StartAsync's caller observes it; nobody else must see an unobserved exception.
        _ = run.FirstConnection.Task.Exception;
        try
        {
            if (!await run.ReconnectNow.Reader.WaitToReadAsync(run.Stopping).ConfigureAwait(false))
            {
                return false;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        run.DrainReconnectNow();
        return true;
    }

    /// <summary>One connection from connect to end.</summary>
    private async Task<ConnectionEnd> ConnectOnceAsync(Run run)
    {
        var sentTypes = WantedServerTypes();
        WebSocket socket;
        using (var timeout = new CancellationTokenSource(connectTimeout, time))
        using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(run.Stopping, timeout.Token))
        {
            try
            {
                var token = accessTokenProvider is null ? null : await accessTokenProvider(connecting.Token).ConfigureAwait(false);
                var knownEpoch = Epoch;
                var position = knownEpoch is null ? (long?)null : LastSeq;
                var uri = ConnectUri.Build(url, sentTypes, position, knownEpoch, token);
                LogConnecting(logger, ConnectUri.ForLog(uri), position);
                socket = await socketFactory(uri, connecting.Token).ConfigureAwait(false);
            }
            catch (Exception) when (run.Stopping.IsCancellationRequested)
            {
                return ConnectionEnd.Stopped;
            }
            catch (Exception ex) when (timeout.IsCancellationRequested)
            {
                LogConnectFailed(logger, ex);
                return new ConnectionEnd(false, null, null, $"connect timed out after {connectTimeout.TotalSeconds:0.###} s", false);
            }
            catch (Exception ex)
            {
                LogConnectFailed(logger, ex);
                return new ConnectionEnd(false, null, null, $"connect failed: {ex.Message}", false);
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
                // Stop: close with 1000 and give the server CloseTimeout to answer.
                connection.StopSending();
                await sending.ConfigureAwait(false);
                connection.AbortAfter(closeTimeout);
                try
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client closing", connection.Aborted).ConfigureAwait(false);
                }
                catch (Exception ex) when (SocketErrors.IsGone(ex))
                {
                }
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
                    try
                    {
                        await socket.CloseOutputAsync(EchoCloseStatus(socket.CloseStatus), "", connection.Aborted).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (SocketErrors.IsGone(ex))
                    {
                    }
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

    private async Task<ConnectionEnd> ReceiveLoopAsync(Connection connection, Run run)
    {
        var socket = connection.Socket;
        var buffer = new byte[InitialReceiveBuffer];
        var count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    if (buffer.Length >= MaxFrameBytes)
                    {
                        connection.Abort();
                        return new ConnectionEnd(connection.Welcomed, CloseCodes.MessageTooBig, null, $"a frame from the server is over {MaxFrameBytes} bytes", false);
                    }
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                var result = await socket.ReceiveAsync(buffer.AsMemory(count), connection.Aborted).ConfigureAwait(false);
                connection.Touch();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return Closed(connection, (int?)socket.CloseStatus ?? 1005, socket.CloseStatusDescription);
                }
                count += result.Count;
                if (!result.EndOfMessage)
                {
                    continue;
                }
                if (result.MessageType == WebSocketMessageType.Text)
                {
                    await HandleFrameAsync(connection, run, buffer.AsMemory(0, count)).ConfigureAwait(false);
                }
                count = 0;
                if (buffer.Length > InitialReceiveBuffer * 4)
                {
                    buffer = new byte[InitialReceiveBuffer]; // let a one-off big snapshot go
                }
            }
        }
        catch (Exception ex) when (connection.ExpiredReason is { } expired)
        {
            LogSilent(logger, expired, connection.Timeout, ex.GetType().Name);
            return new ConnectionEnd(connection.Welcomed, CloseCodes.Abnormal, null, expired, false);
        }
        catch (Exception ex)
        {
            if (run.Stopping.IsCancellationRequested)
            {
                return ConnectionEnd.Stopped;
            }
            LogLost(logger, ex);
            return new ConnectionEnd(connection.Welcomed, CloseCodes.Abnormal, null, "connection lost", false);
        }
    }

    private ConnectionEnd Closed(Connection connection, int code, string? text)
    {
        var (reason, terminal) = code switch
        {
            CloseCodes.Normal => ("closed by the server", true),
            CloseCodes.Unauthorized => ("unauthorized", true),
            CloseCodes.PolicyViolation => ($"policy violation: {text}", true),
            CloseCodes.MessageTooBig => ($"message too big: {text}", true),
            CloseCodes.GoingAway => ("server going away", false),
            CloseCodes.SlowConsumer => ("slow consumer", false),
            _ => ($"closed by the server ({code}): {text}", false),
        };
        LogClosed(logger, code, text);
        return new ConnectionEnd(connection.Welcomed, code, text, reason, terminal);
    }

    private async ValueTask HandleFrameAsync(Connection connection, Run run, ReadOnlyMemory<byte> frame)
    {
        var type = Frames.ReadType(frame.Span);
        try
        {
            switch (type)
            {
                case null:
                    LogBadFrame(logger, "no type");
                    return;
                case EventTypes.SessionWelcome:
                    if (JsonSerializer.Deserialize(frame.Span, AgentPulseJsonContext.Default.SessionFrameSessionWelcome) is { Data: { } welcome })
                    {
                        OnWelcome(connection, run, welcome);
                    }
                    return;
                case EventTypes.SessionSnapshot:
                    if (JsonSerializer.Deserialize(frame.Span, AgentPulseJsonContext.Default.SessionFrameSessionSnapshot) is { Data: { } snapshot })
                    {
                        OnSnapshot(connection, snapshot);
                    }
                    return;
                case EventTypes.SessionError:
                    if (JsonSerializer.Deserialize(frame.Span, AgentPulseJsonContext.Default.SessionFrameSessionError) is { Data: { } error })
                    {
                        LogSessionError(logger, error.Code, error.Message);
                    }
                    return;
                case EventTypes.SessionSubscribed:
                    if (JsonSerializer.Deserialize(frame.Span, AgentPulseJsonContext.Default.SessionFrameSessionSubscribed) is { Data.Types: { } types })
                    {
                        LogSubscribed(logger, string.Join(',', types));
                    }
                    return;
                case var _ when type.StartsWith(EventTypes.SessionPrefix, StringComparison.Ordinal):
                    return; // heartbeat, pong, and whatever a later protocol adds: proof of life only
            }

            var cloudEvent = CloudEvent.Parse(frame.Span);
            if (cloudEvent.Seq <= Volatile.Read(ref lastSeq))
            {
                LogDuplicate(logger, cloudEvent.Seq, lastSeq);
                return;
            }
            Volatile.Write(ref lastSeq, cloudEvent.Seq);
            await EnqueueEventAsync(cloudEvent, connection.Aborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            LogBadFrame(logger, ex.Message);
        }
    }

    private void OnWelcome(Connection connection, Run run, SessionWelcome welcome)
    {
        if (welcome.ProtocolVersion != Frames.ProtocolVersion)
        {
            LogProtocolVersion(logger, welcome.ProtocolVersion, Frames.ProtocolVersion);
        }
        connection.Welcomed = true;
        connection.SetTimeout(heartbeatTimeout ?? TimeSpan.FromSeconds(2 * Math.Max(1, welcome.HeartbeatSeconds)));
        var previousEpoch = Epoch;
        Volatile.Write(ref epoch, welcome.Epoch);
        if (!welcome.Recovered)
        {
            // The snapshot that follows reflects everything up to welcome.Seq; live events follow from the next.
            Volatile.Write(ref lastSeq, welcome.Seq);
            connection.ExpectedResync = previousEpoch is null ? ResyncReason.Initial
                : previousEpoch != welcome.Epoch ? ResyncReason.LogReset
                : ResyncReason.Gap;
        }
        connection.ConnectionId = welcome.ConnectionId;
        LogWelcome(logger, welcome.ConnectionId, welcome.Recovered, welcome.Seq, welcome.Epoch);
        run.DrainReconnectNow();
        SetStatus(status with { State = ConnectionState.Connected, Attempt = 0, NextDelay = null, Reason = null, ConnectionId = welcome.ConnectionId });
        run.FirstConnection.TrySetResult();
    }

    private void OnSnapshot(Connection connection, SessionSnapshot snapshot)
    {
        var reason = connection.ExpectedResync ?? ResyncReason.Gap;
        connection.ExpectedResync = null;
        var args = new ResyncEventArgs(reason, Epoch ?? "", LastSeq, snapshot.Tasks ?? []);
        LogResync(logger, reason, args.Epoch, args.Seq, args.Tasks.Count);
        dispatch.Writer.TryWrite(DispatchItem.For(args));
    }

    /// <summary>The only writer of the socket: keeps the server's filter equal to the subscriptions' union, and sends the pings of liveness checks.</summary>
    private async Task SendLoopAsync(Connection connection, string[] sent)
    {
        try
        {
            while (true)
            {
                var wanted = WantedServerTypes();
                var add = wanted.Except(sent, StringComparer.Ordinal).ToArray();
                var remove = sent.Except(wanted, StringComparer.Ordinal).ToArray();
                // Subscribe first, so that an event both sets match is never missed in between.
                if (add.Length > 0)
                {
                    await SendAsync(connection, new ClientOperation { Op = ClientOps.Subscribe, Types = add }).ConfigureAwait(false);
                }
                if (remove.Length > 0)
                {
                    await SendAsync(connection, new ClientOperation { Op = ClientOps.Unsubscribe, Types = remove }).ConfigureAwait(false);
                }
                sent = wanted;
                if (Interlocked.Exchange(ref pingWanted, 0) == 1)
                {
                    await SendAsync(connection, new ClientOperation { Op = ClientOps.Ping, Id = "liveness" }).ConfigureAwait(false);
                }
                if (!await sendWanted.Reader.WaitToReadAsync(connection.SendStopped).ConfigureAwait(false))
                {
                    return;
                }
                sendWanted.Reader.TryRead(out _);
            }
        }
        catch (Exception ex) when (SocketErrors.IsGone(ex))
        {
            // The receive loop sees the end of the connection and says why.
        }
    }

    private static async ValueTask SendAsync(Connection connection, ClientOperation operation) =>
        await connection.Socket.SendAsync(Frames.Operation(operation), WebSocketMessageType.Text, endOfMessage: true, connection.SendStopped).ConfigureAwait(false);

    /// <summary>How a connection (or an attempt at one) ended.</summary>
    /// <param name="Welcomed">Whether it got as far as the welcome (a successful connect).</param>
    /// <param name="CloseCode">The close code; 1006 when lost without one; <c>null</c> when no socket was opened.</param>
    /// <param name="CloseReason">The server's close text.</param>
    /// <param name="Reason">Why, fit to show a person.</param>
    /// <param name="Terminal">Whether the client must not reconnect by itself.</param>
    private readonly record struct ConnectionEnd(bool Welcomed, int? CloseCode, string? CloseReason, string Reason, bool Terminal)
    {
        public static ConnectionEnd Stopped => new(false, CloseCodes.Normal, null, "stopped", true);
    }
}
