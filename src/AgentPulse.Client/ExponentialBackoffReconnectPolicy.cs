namespace AgentPulse.Client;

/// <summary>How a delay is spread so that many clients do not reconnect in the same instant.</summary>
public enum JitterMode
{
    /// <summary>No jitter: exactly the computed delay.</summary>
    None,

    /// <summary>Full jitter: uniformly between zero and the computed delay. Spreads the most, but may retry at once.</summary>
    Full,

    /// <summary>Equal jitter: uniformly between half the computed delay and all of it. Keeps a floor and still spreads.</summary>
    Equal,
}

/// <summary>
/// The default <see cref="IReconnectPolicy"/>: exponential backoff with jitter. Attempt <c>n</c> waits
/// <c>min(MaxDelay, InitialDelay × Factor^(n-1))</c>, spread by <see cref="Jitter"/>; after
/// <see cref="MaxAttempts"/> attempts it gives up. With the defaults, attempts 1 to 5 wait within
/// [0.5, 1], [1, 2], [2, 4], [4, 8] and [8, 16] seconds, and there is no sixth.
/// </summary>
public sealed class ExponentialBackoffReconnectPolicy : IReconnectPolicy
{
    private readonly TimeSpan initialDelay = TimeSpan.FromSeconds(1);
    private readonly double factor = 2;
    private readonly TimeSpan maxDelay = TimeSpan.FromSeconds(30);
    private readonly int? maxAttempts = 5;

    /// <summary>The delay before the first attempt, before jitter (default: 1 second).</summary>
    public TimeSpan InitialDelay
    {
        get => initialDelay;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            initialDelay = value;
        }
    }

    /// <summary>What each attempt multiplies the delay by; 1 or more (default: 2).</summary>
    public double Factor
    {
        get => factor;
        init
        {
            if (!(value >= 1) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Factor must be a finite number of 1 or more.");
            }
            factor = value;
        }
    }

    /// <summary>The longest delay, before jitter (default: 30 seconds).</summary>
    public TimeSpan MaxDelay
    {
        get => maxDelay;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            maxDelay = value;
        }
    }

    /// <summary>How many attempts before giving up; <c>null</c> or 0 for no limit (default: 5, as the original request asks).</summary>
    public int? MaxAttempts
    {
        get => maxAttempts;
        init
        {
            if (value is < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "MaxAttempts must be 0 or more (0 or null: no limit).");
            }
            maxAttempts = value;
        }
    }

    /// <inheritdoc/>
    /// <remarks><see cref="MaxAttempts"/>, or <c>null</c> when it is unlimited (<c>null</c> or 0).</remarks>
    int? IReconnectPolicy.MaxAttempts => MaxAttempts is > 0 and var max ? max : null;

    /// <summary>How the delay is spread (default: <see cref="JitterMode.Equal"/>: between half the delay and all of it).</summary>
    public JitterMode Jitter { get; init; } = JitterMode.Equal;

    /// <inheritdoc/>
    public TimeSpan? NextDelay(ReconnectContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (MaxAttempts is > 0 and var max && context.Attempt > max)
        {
            return null;
        }
        var exponent = Math.Max(0, context.Attempt - 1);
        var delayMs = Math.Min(InitialDelay.TotalMilliseconds * Math.Pow(Factor, exponent), MaxDelay.TotalMilliseconds);
        var sample = double.IsNaN(context.RandomSample) ? 0 : Math.Clamp(context.RandomSample, 0, 1);
        var jittered = Jitter switch
        {
            JitterMode.Full => delayMs * sample,
            JitterMode.Equal => (delayMs / 2) + (delayMs / 2 * sample),
            _ => delayMs,
        };
        return TimeSpan.FromMilliseconds(jittered);
    }
}
