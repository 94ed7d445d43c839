using System.Threading.Channels;
using AgentPulse.Protocol;

namespace AgentPulse.Client.Internal;

/// <summary>One subscriber: a pattern and what to do with a matching event. Dispose removes it.</summary>
internal abstract class Subscription(SubscriptionSet owner, TypePattern pattern) : IDisposable
{
    private int disposed;

    public TypePattern Pattern { get; } = pattern;

    public bool IsDisposed => Volatile.Read(ref disposed) != 0;

    /// <summary>Called on the dispatch loop only, one event at a time.</summary>
    public abstract ValueTask DeliverAsync(CloudEvent cloudEvent, PayloadCache cache);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            owner.Remove(this);
            OnDisposed();
        }
    }

    protected virtual void OnDisposed()
    {
    }
}

internal sealed class CallbackSubscription(SubscriptionSet owner, TypePattern pattern, Func<CloudEvent, ValueTask> handler)
    : Subscription(owner, pattern)
{
    public override ValueTask DeliverAsync(CloudEvent cloudEvent, PayloadCache cache) => handler(cloudEvent);
}

internal sealed class TypedSubscription<T>(SubscriptionSet owner, TypePattern pattern, Func<T, CloudEvent, ValueTask> handler)
    : Subscription(owner, pattern)
    where T : class
{
    public override ValueTask DeliverAsync(CloudEvent cloudEvent, PayloadCache cache) =>
        cache.Get<T>(cloudEvent) is { } payload ? handler(payload, cloudEvent) : default;
}

/// <summary>Feeds one <c>StreamAsync</c> enumeration through a bounded channel of its own.</summary>
internal sealed class StreamSubscription : Subscription
{
    private readonly Channel<CloudEvent> channel;

    public StreamSubscription(SubscriptionSet owner, TypePattern pattern, int capacity)
        : base(owner, pattern)
    {
        channel = Channel.CreateBounded<CloudEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait, // lose nothing: delivery waits for the reader
        });
    }

    public ChannelReader<CloudEvent> Reader => channel.Reader;

    public override ValueTask DeliverAsync(CloudEvent cloudEvent, PayloadCache cache)
    {
        if (channel.Writer.TryWrite(cloudEvent) || IsDisposed)
        {
            return default;
        }
        return WaitAndWriteAsync(cloudEvent);
    }

    private async ValueTask WaitAndWriteAsync(CloudEvent cloudEvent)
    {
        try
        {
            await channel.Writer.WriteAsync(cloudEvent).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // Disposed while full: the reader is gone.
        }
    }

    public void Complete() => channel.Writer.TryComplete();

    protected override void OnDisposed() => channel.Writer.TryComplete();
}

/// <summary>Reads an event's payload once for all typed subscribers of that event.</summary>
internal sealed class PayloadCache
{
    private CloudEvent? cloudEvent;
    private Type? type;
    private object? value;

    public T? Get<T>(CloudEvent source) where T : class
    {
        if (!ReferenceEquals(source, cloudEvent) || type != typeof(T))
        {
            value = null;
            cloudEvent = source;
            type = typeof(T);
            value = source.GetData<T>();
        }
        return (T?)value;
    }
}
