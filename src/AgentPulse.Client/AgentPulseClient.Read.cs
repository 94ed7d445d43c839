using System.Text.Json;
using AgentPulse.Client.Internal;
using AgentPulse.Protocol;

namespace AgentPulse.Client;

public sealed partial class AgentPulseClient
{
    private const int InitialReceiveBuffer = 16 * 1024;
    private const int MaxFrameBytes = 64 * 1024 * 1024;

    /// <summary>The only reader of the socket: reads whole frames, hands each to <see cref="HandleFrameAsync"/>, and says how the connection ended.</summary>
    private async Task<ConnectionEnd> ReceiveLoopAsync(Connection connection, ClientRun run)
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
                        return new ConnectionEnd(connection.Welcomed, DisconnectReason.ServerFrameTooBig, false, CloseCodes.MessageTooBig,
                            Exception: new InvalidDataException($"a frame from the server is over {MaxFrameBytes} bytes"));
                    }
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                var result = await socket.ReceiveAsync(buffer.AsMemory(count), connection.Aborted).ConfigureAwait(false);
                connection.Touch();
                if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                {
                    var code = (int?)socket.CloseStatus ?? 1005;
                    LogClosed(logger, code, socket.CloseStatusDescription);
                    return ConnectionEnd.Closed(connection.Welcomed, code, socket.CloseStatusDescription);
                }
                count += result.Count;
                if (!result.EndOfMessage)
                {
                    continue;
                }
                if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Text)
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
        catch (Exception ex) when (connection.Expired is { } expired)
        {
            LogSilent(logger, expired.Reason, expired.Message, ex.GetType().Name);
            return ConnectionEnd.Lost(connection.Welcomed, expired.Reason, new TimeoutException(expired.Message, ex));
        }
        catch (Exception ex)
        {
            if (run.Stopping.IsCancellationRequested)
            {
                return ConnectionEnd.Stopped;
            }
            LogLost(logger, ex);
            return ConnectionEnd.Lost(connection.Welcomed, DisconnectReason.ConnectionLost, ex);
        }
    }

    /// <summary>One frame of the protocol: a session frame, or an event for the subscribers.</summary>
    private async ValueTask HandleFrameAsync(Connection connection, ClientRun run, ReadOnlyMemory<byte> frame)
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
                case EventTypes.SessionAuthenticated:
                    if (JsonSerializer.Deserialize(frame.Span, AgentPulseJsonContext.Default.SessionFrameSessionAuthenticated) is { Data: { } authenticated })
                    {
                        OnAuthenticated(connection, authenticated);
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
            if (!position.TryAdvance(cloudEvent.Seq))
            {
                LogDuplicate(logger, cloudEvent.Seq, position.LastSeq);
                return;
            }
            await EnqueueEventAsync(cloudEvent, connection.Aborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            LogBadFrame(logger, ex.Message);
        }
    }

    private void OnWelcome(Connection connection, ClientRun run, SessionWelcome welcome)
    {
        if (welcome.ProtocolVersion != Frames.ProtocolVersion)
        {
            LogProtocolVersion(logger, welcome.ProtocolVersion, Frames.ProtocolVersion);
        }
        connection.Welcomed = true;
        connection.SetTimeout(heartbeatTimeout ?? TimeSpan.FromSeconds(2 * Math.Max(1, welcome.HeartbeatSeconds)));
        connection.ExpectedResync = position.Welcome(welcome);
        ScheduleTokenRefresh(connection, welcome.TokenExpiresInSeconds);
        LogWelcome(logger, welcome.ConnectionId, welcome.Recovered, welcome.Seq, welcome.Epoch);
        run.DrainReconnectNow();
        SetStatus(status with { State = ConnectionState.Connected, Attempt = 0, NextDelay = null, Reason = null, Exception = null, GaveUp = false, ConnectionId = welcome.ConnectionId });
        run.FirstConnection.TrySetResult();
    }

    private void OnSnapshot(Connection connection, SessionSnapshot snapshot)
    {
        var reason = connection.ExpectedResync ?? ResyncReason.Gap;
        connection.ExpectedResync = null;
        var args = new ResyncEventArgs(reason, position.Epoch ?? "", position.LastSeq, snapshot.Tasks ?? []);
        LogResync(logger, reason, args.Epoch, args.Seq, args.Tasks.Count);
        dispatch.Writer.TryWrite(DispatchItem.For(args));
    }
}
