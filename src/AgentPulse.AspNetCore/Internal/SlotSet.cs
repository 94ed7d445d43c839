namespace AgentPulse.AspNetCore.Internal;

/// <summary>An item that a <see cref="SlotSet{T}"/> holds: it keeps its own index there (-1 when in none).</summary>
internal interface ISlotted
{
    int Slot { get; set; }
}

/// <summary>
/// The set of fan-out's connections: an array with no holes, where each item knows its index, so that
/// an add is an append (amortised O(1), the array doubles) and a remove moves the last item into the hole
/// (O(1)); iterating is a span over the array, without allocating. A join or a leave during a reconnect
/// storm of thousands no longer copies the set. Not thread-safe: the hub locks around every call;
/// <see cref="Snapshot"/> gives readers outside the lock a copy, made again only after a change.
/// </summary>
internal sealed class SlotSet<T>
    where T : class, ISlotted
{
    private T[] items = new T[16];
    private int count;
    private int version;
    private T[] snapshot = [];
    private int snapshotVersion;

    /// <summary>How many items it holds; may be read without the lock.</summary>
    public int Count => Volatile.Read(ref count);

    /// <summary>The items, in no particular order; valid until the next change.</summary>
    public ReadOnlySpan<T> Items => items.AsSpan(0, count);

    /// <summary>Adds <paramref name="item"/>, which must be in no set.</summary>
    public void Add(T item)
    {
        if (item.Slot >= 0)
        {
            throw new InvalidOperationException("The item is in a set already.");
        }
        if (count == items.Length)
        {
            Array.Resize(ref items, items.Length * 2);
        }
        items[count] = item;
        item.Slot = count;
        Volatile.Write(ref count, count + 1);
        version++;
    }

    /// <summary>Removes <paramref name="item"/>; <c>false</c> when it is not in this set.</summary>
    public bool Remove(T item)
    {
        var slot = item.Slot;
        if (slot < 0 || slot >= count || !ReferenceEquals(items[slot], item))
        {
            return false;
        }
        var last = count - 1;
        if (slot != last)
        {
            items[slot] = items[last];
            items[slot].Slot = slot;
        }
        items[last] = null!;
        item.Slot = -1;
        Volatile.Write(ref count, last);
        version++;
        // A set that emptied after a storm gives its memory back, keeping room for half again.
        if (items.Length > 64 && last < items.Length / 4)
        {
            Array.Resize(ref items, items.Length / 2);
        }
        return true;
    }

    /// <summary>A copy of the items for readers outside the lock (heartbeats, shutdown, lookups), made again only after a change.</summary>
    public T[] Snapshot()
    {
        if (snapshotVersion != version)
        {
            snapshot = Items.ToArray();
            snapshotVersion = version;
        }
        return snapshot;
    }
}
