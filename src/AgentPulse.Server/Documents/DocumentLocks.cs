namespace AgentPulse.Server.Documents;

/// <summary>
/// One change at a time per document: an upload's start, a reindex and a delete of the same
/// document never interleave, while changes of different documents run side by side.
/// </summary>
internal sealed class DocumentLocks
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    /// <summary>Waits for the document's turn; dispose the result to give it back.</summary>
    public async Task<IDisposable> AcquireAsync(string documentId)
    {
        Entry entry;
        lock (gate)
        {
            if (!entries.TryGetValue(documentId, out entry!))
            {
                entry = new Entry();
                entries.Add(documentId, entry);
            }
            entry.Users++;
        }
        await entry.Semaphore.WaitAsync();
        return new Releaser(this, documentId, entry);
    }

    private void Release(string documentId, Entry entry)
    {
        entry.Semaphore.Release();
        lock (gate)
        {
            if (--entry.Users == 0)
            {
                entries.Remove(documentId);
                entry.Semaphore.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);
        public int Users { get; set; }
    }

    private sealed class Releaser(DocumentLocks owner, string documentId, Entry entry) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                owner.Release(documentId, entry);
            }
        }
    }
}
