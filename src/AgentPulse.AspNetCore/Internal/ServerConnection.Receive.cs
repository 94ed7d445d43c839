using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore.Internal;

internal sealed partial class ServerConnection
{
    private const int SmallReceiveBuffer = 512;

    // The receive loop's own state.
    private bool closingAfterQueued; // a close is queued: ignore what the client sends next
    private int invalidFrames;
    private long invalidWindowStart;

    /// <summary>
    /// Reads the client's operations until it closes or goes away; a close from the client is echoed. It waits
    /// for each frame with a zero-byte read and rents its buffers only while it reads one, so an idle
    /// connection holds no receive buffer.
    /// </summary>
    private async Task ReceiveLoopAsync(CancellationToken requestAborted)
    {
        byte[]? small = null;
        byte[]? large = null;
        try
        {
            while (true)
            {
                // What the last frame used goes back before the wait (its paths that skip a frame included).
                Return(ref small);
                Return(ref large);
                var result = await socket.ReceiveAsync(Memory<byte>.Empty, requestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // Echo the client's close; ours wins if one was already requested.
                    RequestClose((int?)socket.CloseStatus ?? CloseCodes.Normal, socket.CloseStatusDescription ?? "");
                    return;
                }
                small = ArrayPool<byte>.Shared.Rent(SmallReceiveBuffer);
                if (!result.EndOfMessage)
                {
                    // The frame has a payload (an empty one ended with the zero-byte read).
                    result = await socket.ReceiveAsync(small.AsMemory(0, SmallReceiveBuffer), requestAborted);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        RequestClose((int?)socket.CloseStatus ?? CloseCodes.Normal, socket.CloseStatusDescription ?? "");
                        return;
                    }
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
                if (Parse(message.Span) is { } operation)
                {
                    await HandleAsync(operation, requestAborted);
                }
            }
        }
        catch (Exception ex) when (SocketErrors.IsGone(ex))
        {
            RequestClose(CloseCodes.Abnormal, "");
        }
        finally
        {
            Return(ref small);
            Return(ref large);
        }

        static void Return(ref byte[]? buffer)
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }
        }
    }

    /// <summary>The operation of a text frame; <c>null</c> (after a <c>session.error</c>) when it is not JSON.</summary>
    private ClientOperation? Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonSerializer.Deserialize(utf8, AgentPulseJsonContext.Default.ClientOperation)
                ?? new ClientOperation();
        }
        catch (JsonException ex)
        {
            Invalid(ErrorCodes.BadRequest, $"The frame is not a JSON operation: {ex.Message}");
            return null;
        }
    }

    private async ValueTask HandleAsync(ClientOperation operation, CancellationToken requestAborted)
    {
        switch (operation.Op)
        {
            case ClientOps.Subscribe or ClientOps.Unsubscribe:
                ChangeSubscription(operation.Op == ClientOps.Subscribe, operation.Types);
                break;
            case ClientOps.Ping:
                SendControl(Frames.Pong(operation.Id));
                break;
            case ClientOps.Authenticate:
                await AuthenticateAsync(operation.Token, requestAborted);
                break;
            case null:
                Invalid(ErrorCodes.BadRequest, "An operation needs an 'op': subscribe, unsubscribe, ping or authenticate.");
                break;
            default:
                Invalid(ErrorCodes.UnknownOp, $"Unknown op '{Shorten(operation.Op)}': use subscribe, unsubscribe, ping or authenticate.");
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
        if (add && types.Count > options.MaxSubscriptionPatterns)
        {
            TooManyPatterns(types.Count);
            return;
        }
        var parsed = new List<TypePattern>(types.Count);
        foreach (var text in types)
        {
            if (!TypePattern.TryParse(text, out var pattern))
            {
                Invalid(ErrorCodes.BadPattern, $"'{Shorten(text)}' is not a type pattern: use an exact type such as 'task.started', a prefix such as 'task.*', or '*'.");
                return;
            }
            parsed.Add(pattern);
        }
        if (add)
        {
            var count = filter.CountWith(parsed);
            if (count > options.MaxSubscriptionPatterns)
            {
                TooManyPatterns(count);
                return;
            }
        }
        // Only this loop changes the filter: a new one is made and published, fan-out reads it as it is.
        // The ack carries the whole set, which the cap keeps small (256 patterns of at most 200 characters).
        var changed = filter.With(add, parsed);
        filter = changed;
        SendControl(Frames.Subscribed(changed.Texts));
    }

    /// <summary>A subscribe past the cap is not a mistake a client makes by chance: say so, then close with 1008.</summary>
    private void TooManyPatterns(int count)
    {
        LogTooManyPatterns(logger, ConnectionId, count, options.MaxSubscriptionPatterns);
        SendControl(Frames.Error(ErrorCodes.TooManyPatterns, $"A connection may subscribe to at most {options.MaxSubscriptionPatterns} patterns; this subscribe asks for {count}. Use wildcards such as 'task.*'."));
        CloseAfterQueued(CloseCodes.PolicyViolation, "too many subscription patterns");
    }

    /// <summary>What a client sent, cut short for an error message: an echo must not cost more than the frame it answers.</summary>
    private static string? Shorten(string? text) => text is { Length: > 100 } ? text[..100] + "…" : text;

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
