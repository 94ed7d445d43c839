using System.Net.WebSockets;
using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore.Internal;

internal sealed partial class ServerConnection
{
    /// <summary>
    /// The writer: welcome, then replay or snapshot, then whatever the queue holds, batch by batch
    /// (one write per drained batch), until a close is requested; then the close frame.
    /// </summary>
    private async Task SendLoopAsync(long? replayAfter, long joinedAt, IReadOnlyList<TaskRecord>? snapshot, CancellationToken requestAborted)
    {
        try
        {
            var greeted = false;
            while (Volatile.Read(ref closeCode) == 0)
            {
                // Whatever is queued after this point wakes the writer again.
                outbound.BeginDrain();
                var sent = 0;
                await sink.BeginBatchAsync(requestAborted);
                try
                {
                    if (!greeted)
                    {
                        sent += await GreetAsync(replayAfter, joinedAt, snapshot, requestAborted);
                        greeted = true;
                    }
                    sent += await DrainAsync(requestAborted);
                }
                finally
                {
                    await sink.EndBatchAsync(requestAborted);
                }
                if (sent > 0)
                {
                    Volatile.Write(ref lastSendTimestamp, time.GetTimestamp());
                    metrics.FramesSent(sent);
                }
                if (Volatile.Read(ref closeCode) != 0 || !await outbound.WaitAsync())
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (SocketErrors.IsGone(ex))
        {
            RequestClose(CloseCodes.Abnormal, "");
            return;
        }
        finally
        {
            // Let go of what was queued: the client resumes from the log.
            outbound.Clear();
        }
        await CloseOutputAsync();
    }

    /// <summary>The welcome, then the snapshot, or (for a recovered resume) the replay, which is a catch-up from the client's seq.</summary>
    private async ValueTask<int> GreetAsync(long? replayAfter, long joinedAt, IReadOnlyList<TaskRecord>? snapshot, CancellationToken cancellationToken)
    {
        var heartbeatSeconds = (int)Math.Ceiling(options.HeartbeatInterval.TotalSeconds);
        await sink.AddTextAsync(Frames.Welcome(new SessionWelcome(Frames.ProtocolVersion, ConnectionId, hub.Log.Epoch, joinedAt, replayAfter is not null, heartbeatSeconds, TokenExpiresInSeconds())), cancellationToken);
        if (replayAfter is { } after)
        {
            Volatile.Write(ref position, after);
            outbound.MarkOverflow();
            return 1;
        }
        Volatile.Write(ref position, joinedAt);
        await sink.AddTextAsync(Frames.Snapshot(new SessionSnapshot(snapshot ?? [])), cancellationToken);
        return 2;
    }

    /// <summary>Sends what is queued, in the order <see cref="OutboundQueue.TakeNext"/> gives, until nothing is.</summary>
    private async ValueTask<int> DrainAsync(CancellationToken cancellationToken)
    {
        var sent = 0;
        while (Volatile.Read(ref closeCode) == 0)
        {
            var next = outbound.TakeNext(position);
            switch (next.Kind)
            {
                case OutboundQueue.NextKind.Control when next.Control.Heartbeat:
                    await sink.AddTextAsync(Frames.Heartbeat(position), cancellationToken);
                    sent++;
                    break;
                case OutboundQueue.NextKind.Control when next.Control.Frame is { } frame:
                    await sink.AddTextAsync(frame, cancellationToken);
                    sent++;
                    break;
                case OutboundQueue.NextKind.Control:
                    RequestClose(next.Control.CloseCode, next.Control.CloseReason ?? "");
                    return sent;
                case OutboundQueue.NextKind.CatchUp:
                    sent += await CatchUpAsync(cancellationToken);
                    break;
                case OutboundQueue.NextKind.Event:
                    Volatile.Write(ref position, next.Event!.Seq);
                    await sink.AddFrameAsync(next.Event.WireFrame, cancellationToken);
                    sent++;
                    break;
                default:
                    return sent;
            }
        }
        return sent;
    }

    /// <summary>Sends, from the log, every event after <see cref="position"/> that the connection sees, up to the log's end.</summary>
    private async ValueTask<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        var sent = 0;
        var mark = outbound.BeginCatchUp();
        while (Volatile.Read(ref closeCode) == 0)
        {
            var read = await hub.Log.ReadAfterAsync(position, options.ReplayBatchSize, cancellationToken);
            if (!read.Complete)
            {
                // Retention overtook this connection: it must start over, as a slow consumer does.
                Overflow();
                break;
            }
            if (read.Events.Count == 0)
            {
                break;
            }
            foreach (var entry in read.Events)
            {
                if (Volatile.Read(ref closeCode) != 0)
                {
                    break;
                }
                if (Sees(entry))
                {
                    await sink.AddFrameAsync(entry.WireFrame, cancellationToken);
                    sent++;
                }
                Volatile.Write(ref position, entry.Seq);
            }
        }
        outbound.EndCatchUp(mark);
        return sent;
    }

    /// <summary>The close frame, written by the socket through the sink; none after an abort or once the socket is gone.</summary>
    private async Task CloseOutputAsync()
    {
        var code = Volatile.Read(ref closeCode);
        if (code is 0 or CloseCodes.Abnormal || socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }
        try
        {
            await socket.CloseOutputAsync((WebSocketCloseStatus)code, closeReason, CancellationToken.None);
        }
        catch (Exception ex) when (SocketErrors.IsGone(ex))
        {
        }
    }
}
