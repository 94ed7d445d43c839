using System.Threading.Tasks.Sources;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// Wakes one waiter (the connection's writer); many may set it. An auto-reset event that costs a
/// connection about a hundred bytes, where a channel costs several hundred: it is allocated for
/// every open connection, and idle connections are most of them.
/// </summary>
internal sealed class WakeSignal : IValueTaskSource<bool>
{
    private readonly Lock gate = new();
    private ManualResetValueTaskSourceCore<bool> core = new() { RunContinuationsAsynchronously = true };
    private bool signaled;
    private bool waiting;
    private bool closed;

    /// <summary>Completes with <c>true</c> once set (at once if it was set already), <c>false</c> once closed.</summary>
    public ValueTask<bool> WaitAsync()
    {
        lock (gate)
        {
            if (signaled)
            {
                signaled = false;
                return ValueTask.FromResult(true);
            }
            if (closed)
            {
                return ValueTask.FromResult(false);
            }
            core.Reset();
            waiting = true;
            return new ValueTask<bool>(this, core.Version);
        }
    }

    public void Set() => Complete(closing: false);

    /// <summary>Ends the waiting for good: the writer is done.</summary>
    public void Close() => Complete(closing: true);

    private void Complete(bool closing)
    {
        lock (gate)
        {
            if (closed)
            {
                return;
            }
            closed = closing;
            if (waiting)
            {
                waiting = false;
                core.SetResult(!closing);
            }
            else if (!closing)
            {
                signaled = true;
            }
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        core.OnCompleted(continuation, state, token, flags);
}
