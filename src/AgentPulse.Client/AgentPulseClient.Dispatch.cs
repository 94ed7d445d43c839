using System.Threading.Channels;
using AgentPulse.Client.Internal;
using AgentPulse.Protocol;

namespace AgentPulse.Client;

public sealed partial class AgentPulseClient
{
    // Set on the dispatch loop, so that DisposeAsync called from a handler does not wait for itself.
    private static readonly AsyncLocal<bool> InDispatch = new();

    // Unbounded so that status changes never wait; events are bounded by hand (pendingEvents) below.
    private readonly Channel<DispatchItem> dispatch = Channel.CreateUnbounded<DispatchItem>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly Task dispatching;
    private readonly int eventQueueCapacity;
    private int pendingEvents;
    private TaskCompletionSource? roomWaiter;

    /// <summary>
    /// Hands an event to the dispatch loop. When too many wait, stops the receive loop here until the
    /// handlers catch up: the socket is not read meanwhile, so the server sees back-pressure (and may
    /// drop this client with 4008, after which it resumes with <c>after</c>).
    /// </summary>
    private ValueTask EnqueueEventAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        dispatch.Writer.TryWrite(DispatchItem.For(cloudEvent));
        return Interlocked.Increment(ref pendingEvents) < eventQueueCapacity ? default : WaitForRoomAsync(cancellationToken);
    }

    private async ValueTask WaitForRoomAsync(CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref pendingEvents) >= eventQueueCapacity)
        {
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref roomWaiter, waiter);
            // Read again after publishing the waiter: the dispatch loop may have made room in between.
            if (Volatile.Read(ref pendingEvents) < eventQueueCapacity)
            {
                break;
            }
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DispatchLoopAsync()
    {
        await Task.Yield();
        InDispatch.Value = true;
        var cache = new PayloadCache();
        var reader = dispatch.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    if (item.Event is { } cloudEvent)
                    {
                        await DeliverAsync(cloudEvent, cache).ConfigureAwait(false);
                        if (Interlocked.Decrement(ref pendingEvents) < eventQueueCapacity && Volatile.Read(ref roomWaiter) is not null)
                        {
                            Interlocked.Exchange(ref roomWaiter, null)?.TrySetResult();
                        }
                    }
                    else if (item.Status is { } changed)
                    {
                        try
                        {
                            StateChanged?.Invoke(changed);
                        }
                        catch (Exception ex)
                        {
                            LogCallbackFailed(logger, nameof(StateChanged), ex);
                        }
                    }
                    else if (item.Resync is { } resync)
                    {
                        try
                        {
                            Resynced?.Invoke(resync);
                        }
                        catch (Exception ex)
                        {
                            LogCallbackFailed(logger, nameof(Resynced), ex);
                        }
                    }
                }
            }
        }
        finally
        {
            subscriptions.Complete();
        }
    }

    private async ValueTask DeliverAsync(CloudEvent cloudEvent, PayloadCache cache)
    {
        foreach (var subscription in subscriptions.All)
        {
            if (subscription.IsDisposed || !subscription.Pattern.Matches(cloudEvent.Type))
            {
                continue;
            }
            try
            {
                var pending = subscription.DeliverAsync(cloudEvent, cache);
                if (!pending.IsCompletedSuccessfully)
                {
                    await pending.ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                LogHandlerFailed(logger, subscription.Pattern.Text, cloudEvent.Type, cloudEvent.Seq, ex);
            }
        }
    }

    private readonly record struct DispatchItem(CloudEvent? Event, ConnectionStatus? Status, ResyncEventArgs? Resync)
    {
        public static DispatchItem For(CloudEvent cloudEvent) => new(cloudEvent, null, null);

        public static DispatchItem For(ConnectionStatus status) => new(null, status, null);

        public static DispatchItem For(ResyncEventArgs resync) => new(null, null, resync);
    }
}
