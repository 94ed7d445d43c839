using System.Buffers;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text.Json;
using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore.Internal;

internal sealed partial class ServerConnection
{
    private const int SmallReceiveBuffer = 512;

    /// <summary>
    /// Runs the connection to its end: decides whether the resume can be honoured, joins fan-out,
    /// then sends welcome, replay or snapshot, and live events, while the receive loop takes operations.
    /// </summary>
    public async Task RunAsync(long? after, string? epoch, ISnapshotProvider snapshots, ClaimsPrincipal user, CancellationToken requestAborted)
    {
        metrics.ConnectionOpened();
        LogOpened(logger, ConnectionId, after, userId);
        CancellationTokenRegistration abortOnTimeout = default;
        try
        {
            var recovered = after is { } from && (epoch is null || epoch == hub.Log.Epoch)
                && (await hub.Log.ReadAfterAsync(from, 1, requestAborted)).Complete;
            IReadOnlyList<TaskRecord>? snapshot = null;
            var joinedAt = recovered
                ? hub.Join(this, null)
                : hub.Join(this, () => snapshot = snapshots.GetSnapshot(user));
            if (after is not null)
            {
                metrics.Resumed(recovered);
            }

            // Past a close request, give the handshake CloseTimeout, then abort whatever still waits
            // on the socket (a writer stuck behind a client that stopped reading, a silent peer).
            abortOnTimeout = closing.Token.Register(() =>
            {
                closeDeadline = new CancellationTokenSource(options.CloseTimeout, time);
                closeDeadline.Token.Register(AbortTransport);
            });

            var sending = SendLoopAsync(recovered ? after : null, joinedAt, snapshot, requestAborted);
            var receiving = ReceiveLoopAsync(requestAborted);
            if (await Task.WhenAny(sending, receiving) == receiving)
            {
                RequestClose(CloseCodes.Abnormal, "");
            }
            await sending;
            await receiving;
        }
        catch (OperationCanceledException) when (requestAborted.IsCancellationRequested)
        {
        }
        finally
        {
            hub.Leave(this);
            await abortOnTimeout.DisposeAsync();
            Volatile.Write(ref finished, true);
            closeDeadline?.Dispose();
            closing.Dispose();
            metrics.ConnectionClosed();
            LogClosed(logger, ConnectionId, closeCode, closeReason);
        }
    }

    private async Task SendLoopAsync(long? replayAfter, long joinedAt, IReadOnlyList<TaskRecord>? snapshot, CancellationToken requestAborted)
    {
        try
        {
            var heartbeatSeconds = (int)Math.Ceiling(options.HeartbeatInterval.TotalSeconds);
            await SendAsync(Frames.Welcome(new SessionWelcome(Frames.ProtocolVersion, ConnectionId, hub.Log.Epoch, joinedAt, replayAfter is not null, heartbeatSeconds)), requestAborted);
            if (replayAfter is { } after)
            {
                // A replay is a catch-up from the log that starts at the client's seq.
                Volatile.Write(ref position, after);
                Interlocked.Increment(ref overflowMark);
            }
            else
            {
                Volatile.Write(ref position, joinedAt);
                await SendAsync(Frames.Snapshot(new SessionSnapshot(snapshot ?? [])), requestAborted);
            }

            while (Volatile.Read(ref closeCode) == 0)
            {
                // Cleared before draining: whatever is queued after this point wakes us again.
                Volatile.Write(ref wakePending, 0);
                int sent;
                if (batching is null)
                {
                    sent = await DrainAsync(requestAborted);
                }
                else
                {
                    // One write for all that the drain gathers.
                    await batching.BeginBatchAsync(requestAborted);
                    try
                    {
                        sent = await DrainAsync(requestAborted);
                    }
                    finally
                    {
                        await batching.EndBatchAsync(requestAborted);
                    }
                }
                if (sent > 0)
                {
                    Volatile.Write(ref lastSendTimestamp, time.GetTimestamp());
                    metrics.FramesSent(sent);
                }
                if (Volatile.Read(ref closeCode) != 0 || !await wake.WaitAsync())
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            RequestClose(CloseCodes.Abnormal, "");
            return;
        }
        finally
        {
            // Let go of what was queued: the client resumes from the log.
            Volatile.Read(ref events)?.Clear();
            while (control.Reader.TryRead(out _))
            {
            }
        }
        await CloseOutputAsync();
    }

    /// <summary>Sends what is queued (control frames first, then events in seq order) until nothing is.</summary>
    private async ValueTask<int> DrainAsync(CancellationToken requestAborted)
    {
        var sent = 0;
        var controlReader = control.Reader;
        while (Volatile.Read(ref closeCode) == 0)
        {
            if (controlReader.TryRead(out var item))
            {
                var frame = item.Heartbeat ? Frames.Heartbeat(position) : item.Frame;
                if (frame is null)
                {
                    RequestClose(item.CloseCode, item.CloseReason ?? "");
                    break;
                }
                await SendControlAsync(frame, requestAborted);
                sent++;
                continue;
            }
            if (Volatile.Read(ref overflowMark) != handledMark)
            {
                // An event may have overflowed the queue: the log has it, in order, with
                // everything after our position (what is still queued is skipped below).
                sent += await CatchUpAsync(requestAborted);
                continue;
            }
            if (Volatile.Read(ref events) is not { } queue || !queue.TryDequeue(out var entry))
            {
                break;
            }
            Interlocked.Decrement(ref queued);
            if (entry.Seq <= position)
            {
                continue; // the snapshot, the replay or a catch-up covered it
            }
            if (Volatile.Read(ref overflowMark) != handledMark)
            {
                // An overflow may have come before this event: the catch-up sends both, in order.
                sent += await CatchUpAsync(requestAborted);
                continue;
            }
            Volatile.Write(ref position, entry.Seq);
            await SendEventAsync(entry, requestAborted);
            sent++;
        }
        return sent;
    }

    /// <summary>Sends, from the log, every event after <see cref="position"/> that the connection sees, up to the log's end.</summary>
    private async ValueTask<int> CatchUpAsync(CancellationToken requestAborted)
    {
        var sent = 0;
        var mark = Volatile.Read(ref overflowMark);
        while (Volatile.Read(ref closeCode) == 0)
        {
            var read = await hub.Log.ReadAfterAsync(position, options.ReplayBatchSize, requestAborted);
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
                    await SendEventAsync(entry, requestAborted);
                    sent++;
                }
                Volatile.Write(ref position, entry.Seq);
            }
        }
        // Any overflow after `mark` was read is of an event the log may have appended after our
        // last read: the mismatch brings the writer back here.
        handledMark = mark;
        return sent;
    }

    /// <summary>Sends an event: its shared, ready-made frame when this connection writes through a batch.</summary>
    private ValueTask SendEventAsync(LoggedEvent entry, CancellationToken cancellationToken) =>
        batching is not null
            ? batching.WriteFrameAsync(entry.WireFrame, cancellationToken)
            : socket.SendAsync(entry.Utf8Frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>Sends a control frame inside the writer's batch (framed here), or on the socket without one.</summary>
    private ValueTask SendControlAsync(byte[] frame, CancellationToken cancellationToken) =>
        batching is not null
            ? batching.WriteFrameAsync(WebSocketFrames.Text(frame), cancellationToken)
            : socket.SendAsync(frame.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    private async ValueTask SendAsync(byte[] frame, CancellationToken cancellationToken)
    {
        await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        Volatile.Write(ref lastSendTimestamp, time.GetTimestamp());
        metrics.FramesSent(1);
    }

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
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken requestAborted)
    {
        var small = new byte[SmallReceiveBuffer];
        byte[]? large = null;
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(small.AsMemory(), requestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // Echo the client's close; ours wins if one was already requested.
                    RequestClose((int?)socket.CloseStatus ?? CloseCodes.Normal, socket.CloseStatusDescription ?? "");
                    return;
                }
                var length = result.Count;
                var message = small.AsMemory(0, length);
                var tooBig = false;
                if (!result.EndOfMessage)
                {
                    large ??= ArrayPool<byte>.Shared.Rent(options.MaxInboundFrameBytes + 1);
                    small.AsSpan(0, length).CopyTo(large);
                    while (!result.EndOfMessage)
                    {
                        if (length > options.MaxInboundFrameBytes)
                        {
                            tooBig = true;
                            length = 0; // discard the rest of the frame
                        }
                        var room = large.AsMemory(length, Math.Min(large.Length - length, options.MaxInboundFrameBytes + 1 - length));
                        result = await socket.ReceiveAsync(room, requestAborted);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            RequestClose((int?)socket.CloseStatus ?? CloseCodes.Normal, socket.CloseStatusDescription ?? "");
                            return;
                        }
                        length += result.Count;
                    }
                    tooBig |= length > options.MaxInboundFrameBytes;
                    message = large.AsMemory(0, length);
                }
                if (tooBig && !closingAfterQueued)
                {
                    LogTooBig(logger, ConnectionId, options.MaxInboundFrameBytes);
                    CloseAfterQueued(CloseCodes.MessageTooBig, $"frame over {options.MaxInboundFrameBytes} bytes");
                    continue; // keep reading until the client's close reply
                }
                if (closingAfterQueued || Volatile.Read(ref closeCode) != 0)
                {
                    continue;
                }
                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    Invalid(ErrorCodes.BinaryNotSupported, "Binary frames are not supported: send operations as JSON text.");
                    continue;
                }
                Handle(message.Span);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            RequestClose(CloseCodes.Abnormal, "");
        }
        finally
        {
            if (large is not null)
            {
                ArrayPool<byte>.Shared.Return(large);
            }
        }
    }

    private void Handle(ReadOnlySpan<byte> utf8)
    {
        ClientOperation? operation;
        try
        {
            operation = JsonSerializer.Deserialize(utf8, AgentPulseJsonContext.Default.ClientOperation);
        }
        catch (JsonException ex)
        {
            Invalid(ErrorCodes.BadRequest, $"The frame is not a JSON operation: {ex.Message}");
            return;
        }
        switch (operation?.Op)
        {
            case ClientOps.Subscribe or ClientOps.Unsubscribe:
                ChangeSubscription(operation.Op == ClientOps.Subscribe, operation.Types);
                break;
            case ClientOps.Ping:
                SendControl(Frames.Pong(operation.Id));
                break;
            case null:
                Invalid(ErrorCodes.BadRequest, "An operation needs an 'op': subscribe, unsubscribe or ping.");
                break;
            default:
                Invalid(ErrorCodes.UnknownOp, $"Unknown op '{operation.Op}': use subscribe, unsubscribe or ping.");
                break;
        }
    }

    private void ChangeSubscription(bool add, IReadOnlyList<string>? types)
    {
        var op = add ? ClientOps.Subscribe : ClientOps.Unsubscribe;
        if (types is null || types.Count == 0)
        {
            Invalid(ErrorCodes.BadRequest, $"'{op}' needs 'types': a list of patterns such as [\"task.*\"].");
            return;
        }
        var parsed = new List<TypePattern>(types.Count);
        foreach (var text in types)
        {
            if (!TypePattern.TryParse(text, out var pattern))
            {
                Invalid(ErrorCodes.BadPattern, $"'{text}' is not a type pattern: use an exact type such as 'task.started', a prefix such as 'task.*', or '*'.");
                return;
            }
            parsed.Add(pattern);
        }
        string[] now;
        lock (subscriptionGate)
        {
            var set = patterns.ToList();
            foreach (var pattern in parsed)
            {
                if (add && !set.Contains(pattern))
                {
                    set.Add(pattern);
                }
                else if (!add)
                {
                    set.Remove(pattern);
                }
            }
            patterns = [.. set];
            wantsEverything = set.Any(p => p.IsAll);
            now = set.Select(p => p.Text).ToArray();
        }
        SendControl(Frames.Subscribed(now));
    }

    private void Invalid(string code, string message)
    {
        var now = time.GetTimestamp();
        if (time.GetElapsedTime(invalidWindowStart, now) > options.InvalidFrameWindow)
        {
            invalidWindowStart = now;
            invalidFrames = 0;
        }
        if (++invalidFrames > options.MaxInvalidFrames)
        {
            LogFlood(logger, ConnectionId, invalidFrames);
            CloseAfterQueued(CloseCodes.PolicyViolation, "too many invalid frames");
            return;
        }
        SendControl(Frames.Error(code, message));
    }
}
