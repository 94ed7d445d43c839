namespace AgentPulse.Client.Internal;

/// <summary>
/// The client's live subscriptions and the server-side filter they make: the union of their patterns and
/// the client's own <c>Types</c>. A copy-on-write array that the dispatch loop reads without a lock.
/// </summary>
internal sealed class SubscriptionSet
{
    /// <summary>What the client asks for when nothing is subscribed: no event has a <c>session.</c> type.</summary>
    public const string NothingPattern = "session.none";

    private readonly Lock gate = new();
    private readonly string[] baseTypes;
    private readonly Action changed;
    private Subscription[] all = [];
    private volatile string[] union;
    private bool completed;

    /// <param name="baseTypes">Patterns asked for whatever is subscribed.</param>
    /// <param name="changed">Called (under the set's lock, so it must only signal) when the union changes.</param>
    public SubscriptionSet(IEnumerable<string> baseTypes, Action changed)
    {
        this.baseTypes = [.. baseTypes];
        this.changed = changed;
        union = UnionOf([], this.baseTypes);
    }

    /// <summary>The live subscriptions (read without a lock; a removed one may still be in a copy: check <see cref="Subscription.IsDisposed"/>).</summary>
    public Subscription[] All => Volatile.Read(ref all);

    /// <summary>
    /// The patterns for <c>types=</c> and for the subscribe and unsubscribe operations: sorted, distinct, just
    /// <c>*</c> when that is among them, and never empty (<see cref="NothingPattern"/>), because an empty
    /// <c>types=</c> means "everything" on the wire.
    /// </summary>
    public string[] ServerTypes
    {
        get
        {
            var types = union;
            return types.Length == 0 ? [NothingPattern] : types;
        }
    }

    /// <exception cref="ObjectDisposedException">The client is disposed (<see cref="Complete"/>).</exception>
    public T Add<T>(T subscription) where T : Subscription
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(completed, typeof(AgentPulseClient));
            all = [.. all, subscription];
            Update();
        }
        return subscription;
    }

    public void Remove(Subscription subscription)
    {
        lock (gate)
        {
            var index = Array.IndexOf(all, subscription);
            if (index < 0)
            {
                return;
            }
            all = [.. all.AsSpan(0, index), .. all.AsSpan(index + 1)];
            Update();
        }
    }

    /// <summary>No subscription may be added from now on; every stream ends.</summary>
    public void Complete()
    {
        Subscription[] ending;
        lock (gate)
        {
            completed = true;
            ending = all;
        }
        foreach (var subscription in ending)
        {
            (subscription as StreamSubscription)?.Complete();
        }
    }

    /// <summary>The union: sorted, distinct, and just <c>*</c> when that is among them.</summary>
    internal static string[] UnionOf(Subscription[] subscriptions, string[] baseTypes)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in baseTypes)
        {
            set.Add(type);
        }
        foreach (var subscription in subscriptions)
        {
            set.Add(subscription.Pattern.Text);
        }
        return set.Contains("*") ? ["*"] : [.. set];
    }

    private void Update()
    {
        var next = UnionOf(all, baseTypes);
        if (!next.AsSpan().SequenceEqual(union))
        {
            union = next;
            changed();
        }
    }
}
