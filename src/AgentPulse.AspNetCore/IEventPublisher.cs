using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore;

/// <summary>
/// Publishes events to every connection that wants them. Agents use this and know nothing of
/// sockets: publishing never waits for a socket.
/// </summary>
public interface IEventPublisher
{
    /// <summary>
    /// Appends <paramref name="cloudEvent"/> to the log, which assigns its seq and hands it to fan-out
    /// once committed. A repeat of a <c>source</c> + <c>id</c> still in the log is not appended again:
    /// the result carries the first seq and <see cref="PublishResult.Duplicate"/>.
    /// </summary>
    /// <param name="cloudEvent">The event; <c>type</c> and <c>source</c> are required, <c>id</c> is made when empty,
    /// <c>time</c> is the time of the publish (from the app's <see cref="TimeProvider"/>) when missing, <c>seq</c> is ignored.</param>
    /// <param name="audience">Who may see it: <see cref="EventAudience.Public"/> or one user's.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the log's queue (never a commit under way).</param>
    /// <returns>The assigned seq, once the event is committed (durable, with a durable log). With the
    /// in-memory log this completes synchronously, after every connection was offered the event.</returns>
    /// <exception cref="EventLogUnavailableException">The log could not commit it (disk full, store unreachable): nothing was kept; retry later.</exception>
    ValueTask<PublishResult> PublishAsync(CloudEvent cloudEvent, EventAudience audience, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends <paramref name="cloudEvents"/> atomically: the new ones get contiguous seqs, in order,
    /// and are committed all or none; repeats are reported as for a single publish.
    /// </summary>
    /// <param name="cloudEvents">One or more events, as for a single publish.</param>
    /// <param name="audience">Who may see them.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the log's queue (never a commit under way).</param>
    /// <returns>One result per event, in order, once all are committed.</returns>
    /// <exception cref="EventLogUnavailableException">The log could not commit them: none was kept; retry later.</exception>
    ValueTask<IReadOnlyList<PublishResult>> PublishAsync(IReadOnlyList<CloudEvent> cloudEvents, EventAudience audience, CancellationToken cancellationToken = default);
}

/// <summary>The outcome of a publish.</summary>
/// <param name="Seq">The seq the log assigned (the first one, for a duplicate).</param>
/// <param name="Id">The event's id (made by the server when the producer gave none).</param>
/// <param name="Duplicate">Whether the same source + id was already in the log.</param>
public readonly record struct PublishResult(long Seq, string Id, bool Duplicate);

/// <summary>Who may see an event.</summary>
/// <param name="UserId">The one user who may see it; <c>null</c> for everyone.</param>
public readonly record struct EventAudience(string? UserId)
{
    /// <summary>Everyone.</summary>
    public static EventAudience Public => default;

    /// <summary>One user only.</summary>
    public static EventAudience User(string userId) => new(userId ?? throw new ArgumentNullException(nameof(userId)));
}

/// <summary>Convenience overloads of <see cref="IEventPublisher"/>.</summary>
public static class EventPublisherExtensions
{
    /// <summary>Publishes a public event.</summary>
    public static ValueTask<PublishResult> PublishAsync(this IEventPublisher publisher, CloudEvent cloudEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return publisher.PublishAsync(cloudEvent, EventAudience.Public, cancellationToken);
    }

    /// <summary>Publishes one of the catalog's payloads, with its type taken from the catalog and the time of the publish.</summary>
    /// <param name="publisher">The publisher.</param>
    /// <param name="data">A catalog payload such as <see cref="TaskProgress"/>.</param>
    /// <param name="source">The producer, such as <c>/agents/indexer</c>.</param>
    /// <param name="subject">What it is about, such as <c>tasks/7f3a</c>; <c>null</c> for none.</param>
    /// <param name="audience">Who may see it (default: everyone).</param>
    /// <param name="cancellationToken">Cancels the wait for room in the log's queue (never a commit under way).</param>
    public static ValueTask<PublishResult> PublishAsync<T>(this IEventPublisher publisher, T data, string source, string? subject = null, EventAudience audience = default, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return publisher.PublishAsync(CloudEvent.Create(data, source, subject), audience, cancellationToken);
    }
}
