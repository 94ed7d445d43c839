using System.Net.WebSockets;
using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore.Internal;

internal sealed partial class ServerConnection
{
    // Wakes the writer when an event the conflation holds comes due; made on first use, by the writer.
    private ITimer? conflationTimer;

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
            conflationTimer?.Dispose();
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
                    await sink.AddTextAsync(Frames.Heartbeat(HeartbeatSeq), cancellationToken);
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
                    sent += await SendEventAsync(next.Event, cancellationToken);
                    break;
                default:
                    return sent + await SendConflatedAsync(cancellationToken);
            }
        }
        return sent;
    }

    /// <summary>Sends, from the log, every event after <see cref="position"/> that the connection sees, up to the log's end.</summary>
    private async ValueTask<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        var sent = 0;
        var mark = outbound.BeginCatchUp();
        metrics.CaughtUp();
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
                    sent += await SendEventAsync(entry, cancellationToken);
                }
                Volatile.Write(ref position, entry.Seq);
            }
        }
        outbound.EndCatchUp(mark);
        return sent;
    }

    /// <summary>
    /// The seq a heartbeat carries: the last event handled, but below any event the conflation still holds,
    /// so that a resume from it never passes an event that was not sent.
    /// </summary>
    private long HeartbeatSeq =>
        conflator?.OldestHeldSeq is { } held ? Math.Min(Volatile.Read(ref position), held - 1) : Volatile.Read(ref position);

    /// <summary>Sends an event the connection sees; with conflation, hands it over and sends what is due.</summary>
    private async ValueTask<int> SendEventAsync(LoggedEvent entry, CancellationToken cancellationToken)
    {
        if (conflator is null)
        {
            await sink.AddFrameAsync(entry.WireFrame, cancellationToken);
            return 1;
        }
        conflator.Add(entry);
        return await SendConflatedAsync(cancellationToken);
    }

    /// <summary>Sends what the conflation has due, and wakes the writer when the next held event will be.</summary>
    private async ValueTask<int> SendConflatedAsync(CancellationToken cancellationToken)
    {
        if (conflator is null)
        {
            return 0;
        }
        var sent = 0;
        var skipped = conflator.Skipped;
        while (conflator.TakeReady() is { } ready)
        {
            await sink.AddFrameAsync(ready.WireFrame, cancellationToken);
            sent++;
        }
        if (conflator.Skipped != skipped)
        {
            metrics.EventsConflated(conflator.Skipped - skipped);
        }
        if (conflator.DueIn() is { } due)
        {
            conflationTimer ??= time.CreateTimer(_ => outbound.Poke(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            conflationTimer.Change(due, Timeout.InfiniteTimeSpan);
        }
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
