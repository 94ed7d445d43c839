using AgentPulse.Client.Internal;

namespace AgentPulse.Client;

public sealed partial class AgentPulseClient
{
    /// <summary>
    /// The connection loop: the only code that changes <see cref="State"/>. One attempt at a time; between
    /// attempts it waits as the policy says, or for <see cref="ReconnectNowAsync"/>; it gives up into
    /// Disconnected, where only <see cref="ReconnectNowAsync"/> or a stop moves it.
    /// </summary>
    private async Task RunAsync(ClientRun run)
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
                        Exception = fresh ? null : status.Exception,
                        GaveUp = false,
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
                var closeCode = end.CloseCode ?? status.CloseCode;
                var closeReason = end.CloseCode is null ? status.CloseReason : end.CloseReason;
                if (end.Terminal)
                {
                    LogEnded(logger, end.CloseCode, end.Reason);
                    if (!await DisconnectedAsync(run, new ConnectionStatus(ConnectionState.Disconnected, 0, null, end.Reason, closeCode, closeReason) { Exception = end.Exception }).ConfigureAwait(false))
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
                if (NextDelay(next, time.GetElapsedTime(roundStarted), end) is not { } wait)
                {
                    LogGaveUp(logger, next - 1, end.Reason, end.Exception);
                    var gaveUp = new ConnectionStatus(ConnectionState.Disconnected, next - 1, null, end.Reason, closeCode, closeReason) { Exception = end.Exception, GaveUp = true };
                    if (!await DisconnectedAsync(run, gaveUp).ConfigureAwait(false))
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
                SetStatus(new ConnectionStatus(everConnected ? ConnectionState.Reconnecting : ConnectionState.Connecting, next, wait, end.Reason, closeCode, closeReason) { Exception = end.Exception });
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
                Reason = isDisposed ? DisconnectReason.Disposed : DisconnectReason.Stopped,
                Exception = null,
                GaveUp = false,
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
    private async Task<bool> DisconnectedAsync(ClientRun run, ConnectionStatus disconnected)
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
}
