using System.Runtime.CompilerServices;
using AgentPulse.Client.Internal;
using AgentPulse.Protocol;

namespace AgentPulse.Client;

public sealed partial class AgentPulseClient
{
    /// <summary>Calls <paramref name="handler"/> for every event whose type matches <paramref name="pattern"/>.</summary>
    /// <param name="pattern">An exact type (<c>search.completed</c>), a prefix (<c>task.*</c>) or <c>*</c>.</param>
    /// <param name="handler">Runs on the dispatch loop (see the class remarks).</param>
    /// <returns>Dispose it to unsubscribe: no call begins after that.</returns>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> is not a type pattern.</exception>
    public IDisposable Subscribe(string pattern, Action<CloudEvent> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return subscriptions.Add(new CallbackSubscription(subscriptions, ParsePattern(pattern), e =>
        {
            handler(e);
            return default;
        }));
    }

    /// <summary>Calls the asynchronous <paramref name="handler"/> for every event whose type matches <paramref name="pattern"/>; the next event waits for it.</summary>
    /// <inheritdoc cref="Subscribe(string, Action{CloudEvent})"/>
    public IDisposable Subscribe(string pattern, Func<CloudEvent, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return subscriptions.Add(new CallbackSubscription(subscriptions, ParsePattern(pattern), handler));
    }

    /// <summary>
    /// Calls <paramref name="handler"/> with the payload and the envelope of every event of
    /// <typeparamref name="T"/>'s catalog type (<c>On&lt;TaskProgress&gt;</c>: <c>task.progress</c>).
    /// An event without data is skipped; one whose data cannot be read is logged and skipped.
    /// </summary>
    /// <typeparam name="T">A payload of the catalog, such as <see cref="TaskProgress"/>.</typeparam>
    /// <param name="handler">Runs on the dispatch loop (see the class remarks).</param>
    /// <returns>Dispose it to unsubscribe: no call begins after that.</returns>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not a payload of the catalog.</exception>
    public IDisposable On<T>(Action<T, CloudEvent> handler) where T : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        return subscriptions.Add(new TypedSubscription<T>(subscriptions, TypePattern.Parse(EventTypes.For<T>()), (data, e) =>
        {
            handler(data, e);
            return default;
        }));
    }

    /// <summary>The asynchronous form of <see cref="On{T}(Action{T, CloudEvent})"/>; the next event waits for it.</summary>
    /// <inheritdoc cref="On{T}(Action{T, CloudEvent})"/>
    public IDisposable On<T>(Func<T, CloudEvent, ValueTask> handler) where T : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        return subscriptions.Add(new TypedSubscription<T>(subscriptions, TypePattern.Parse(EventTypes.For<T>()), handler));
    }

    /// <summary>
    /// The events whose type matches <paramref name="pattern"/>, from when the enumeration starts until it
    /// is cancelled or left, or the client is disposed (then it ends). Backed by a bounded buffer of
    /// <see cref="AgentPulseClientOptions.StreamCapacity"/>: read promptly (see there).
    /// </summary>
    /// <param name="pattern">An exact type, a prefix (<c>task.*</c>) or <c>*</c>.</param>
    /// <param name="cancellationToken">Ends the enumeration (with <see cref="OperationCanceledException"/>).</param>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> is not a type pattern.</exception>
    public IAsyncEnumerable<CloudEvent> StreamAsync(string pattern, CancellationToken cancellationToken = default)
    {
        var parsed = ParsePattern(pattern);
        return StreamCoreAsync(parsed, cancellationToken);
    }

    private async IAsyncEnumerable<CloudEvent> StreamCoreAsync(TypePattern pattern, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var subscription = subscriptions.Add(new StreamSubscription(subscriptions, pattern, streamCapacity));
        var reader = subscription.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var cloudEvent))
            {
                yield return cloudEvent;
            }
        }
    }

    private static TypePattern ParsePattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return TypePattern.TryParse(pattern, out var parsed)
            ? parsed
            : throw new ArgumentException($"'{pattern}' is not a type pattern: use an exact type such as 'task.started', a prefix such as 'task.*', or '*'.", nameof(pattern));
    }
}
