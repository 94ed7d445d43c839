namespace AgentPulse.Web.Internal;

/// <summary>A subscription that reports once when it is disposed.</summary>
internal sealed class CountedSubscription(IDisposable inner, Action onDisposed) : IDisposable
{
    private int disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            inner.Dispose();
            onDisposed();
        }
    }
}
