namespace AgentPulse.Web;

/// <summary>
/// Turns any number of "something changed" signals into at most one render per interval: the first
/// signal after a quiet interval renders at once, the rest wait for the end of the interval and render
/// once together. So 1,000 progress events a second cost a view about 10 renders.
/// </summary>
public sealed class RenderCoalescer : IDisposable
{
    /// <summary>The interval views use: 100 ms, at most about 10 renders a second.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(100);

    private readonly TimeProvider time;
    private readonly TimeSpan interval;
    private readonly Action render;
    private readonly Lock gate = new();
    private ITimer? timer;
    private long lastRender = long.MinValue;
    private bool disposed;

    /// <param name="timeProvider">The clock.</param>
    /// <param name="interval">The shortest time between two renders.</param>
    /// <param name="render">Renders (a component passes <c>() =&gt; _ = InvokeAsync(StateHasChanged)</c>).</param>
    public RenderCoalescer(TimeProvider timeProvider, TimeSpan interval, Action render)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(render);
        time = timeProvider;
        this.interval = interval;
        this.render = render;
    }

    /// <summary>Asks for a render: now, or at the end of the current interval.</summary>
    public void Request()
    {
        lock (gate)
        {
            if (disposed || timer is not null)
            {
                return;
            }
            var now = time.GetTimestamp();
            var since = lastRender == long.MinValue ? TimeSpan.MaxValue : time.GetElapsedTime(lastRender, now);
            if (since < interval)
            {
                timer = time.CreateTimer(_ => Fire(), null, interval - since, Timeout.InfiniteTimeSpan);
                return;
            }
            lastRender = now;
        }
        render();
    }

    /// <summary>Drops a pending render.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            timer?.Dispose();
            timer = null;
        }
    }

    private void Fire()
    {
        lock (gate)
        {
            timer?.Dispose();
            timer = null;
            if (disposed)
            {
                return;
            }
            lastRender = time.GetTimestamp();
        }
        render();
    }
}
