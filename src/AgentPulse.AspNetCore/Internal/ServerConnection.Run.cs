using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore.Internal;

internal sealed partial class ServerConnection
{
    /// <summary>
    /// Runs the connection to its end: decides whether the resume can be honoured, joins fan-out,
    /// then runs the writer (welcome, replay or snapshot, live events) and the receive loop together;
    /// when either ends, the other is asked to close.
    /// </summary>
    public async Task RunAsync(long? after, string? epoch, ISnapshotProvider snapshots, CancellationToken requestAborted)
    {
        metrics.ConnectionOpened();
        LogOpened(logger, ConnectionId, after, userId);
        CancellationTokenRegistration abortOnTimeout = default;
        try
        {
            var recovered = after is { } from && (epoch is null || epoch == hub.Log.Epoch)
                && (await hub.Log.ReadAfterAsync(from, 1, requestAborted)).Complete;
            IReadOnlyList<TaskRecord>? snapshot = null;
            // Where fan-out measures the connection from until the writer has greeted: a queue that fills
            // before then is as far behind as the replay's start, or no further than the log's end.
            Volatile.Write(ref position, recovered ? after!.Value : hub.Log.LastSeq);
            var joinedAt = recovered
                ? hub.Join(this, null)
                : hub.Join(this, () => snapshot = snapshots.GetSnapshot(identity.User));
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

            ArmExpiry();
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
            DisarmExpiry();
            await abortOnTimeout.DisposeAsync();
            Volatile.Write(ref finished, true);
            closeDeadline?.Dispose();
            closing.Dispose();
            place.Dispose(); // before the metric, so that whoever sees the count drop finds the place free
            metrics.ConnectionClosed();
            LogClosed(logger, ConnectionId, closeCode, closeReason);
        }
    }
}
