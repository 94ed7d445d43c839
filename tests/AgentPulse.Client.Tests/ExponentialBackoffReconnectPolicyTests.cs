namespace AgentPulse.Client.Tests;

public sealed class ExponentialBackoffReconnectPolicyTests
{
    private static ReconnectContext Context(int attempt, double sample) =>
        new(attempt, TimeSpan.Zero, sample, DisconnectReason.ConnectionLost, 1006);

    [Theory]
    // attempt, undelayed ms (1 s × 2^(attempt-1), capped at 30 s): equal jitter keeps [half, all].
    [InlineData(1, 1_000)]
    [InlineData(2, 2_000)]
    [InlineData(3, 4_000)]
    [InlineData(4, 8_000)]
    [InlineData(5, 16_000)]
    public void Default_DelayIsWithinEqualJitterBounds(int attempt, double fullMs)
    {
        var policy = new ExponentialBackoffReconnectPolicy();

        Assert.Equal(TimeSpan.FromMilliseconds(fullMs / 2), policy.NextDelay(Context(attempt, 0.0)));
        Assert.Equal(TimeSpan.FromMilliseconds(fullMs * 0.75), policy.NextDelay(Context(attempt, 0.5)));
        var top = policy.NextDelay(Context(attempt, 0.999_999))!.Value;
        Assert.InRange(top.TotalMilliseconds, fullMs * 0.999, fullMs);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(100)]
    public void Default_GivesUpAfterFiveAttempts(int attempt)
    {
        Assert.Null(new ExponentialBackoffReconnectPolicy().NextDelay(Context(attempt, 0.5)));
    }

    [Theory]
    // attempt, sample, jitter, expected ms; unlimited attempts, so the cap shows.
    [InlineData(1, 0.5, JitterMode.None, 1_000)]
    [InlineData(5, 0.5, JitterMode.None, 16_000)]
    [InlineData(6, 0.5, JitterMode.None, 30_000)]
    [InlineData(50, 0.5, JitterMode.None, 30_000)]
    [InlineData(5_000, 1.0, JitterMode.None, 30_000)]
    [InlineData(1, 0.0, JitterMode.Full, 0)]
    [InlineData(3, 0.25, JitterMode.Full, 1_000)]
    [InlineData(9, 0.5, JitterMode.Full, 15_000)]
    [InlineData(9, 0.0, JitterMode.Equal, 15_000)]
    [InlineData(9, 1.0, JitterMode.Equal, 30_000)]
    public void Unlimited_IsCappedAndJittered(int attempt, double sample, JitterMode jitter, double expectedMs)
    {
        var policy = new ExponentialBackoffReconnectPolicy { MaxAttempts = null, Jitter = jitter };

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), policy.NextDelay(Context(attempt, sample)));
    }

    [Fact]
    public void ZeroMaxAttempts_MeansNoLimit()
    {
        var policy = new ExponentialBackoffReconnectPolicy { MaxAttempts = 0, Jitter = JitterMode.None };

        Assert.Equal(TimeSpan.FromSeconds(30), policy.NextDelay(Context(1_000, 0.5)));
    }

    [Fact]
    public void CustomSettings_AreUsed()
    {
        var policy = new ExponentialBackoffReconnectPolicy
        {
            InitialDelay = TimeSpan.FromMilliseconds(100),
            Factor = 3,
            MaxDelay = TimeSpan.FromSeconds(1),
            MaxAttempts = 3,
            Jitter = JitterMode.None,
        };

        Assert.Equal(TimeSpan.FromMilliseconds(100), policy.NextDelay(Context(1, 0.5)));
        Assert.Equal(TimeSpan.FromMilliseconds(300), policy.NextDelay(Context(2, 0.5)));
        Assert.Equal(TimeSpan.FromMilliseconds(900), policy.NextDelay(Context(3, 0.5)));
        Assert.Null(policy.NextDelay(Context(4, 0.5)));
    }

    [Fact]
    public void InvalidSettings_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialBackoffReconnectPolicy { Factor = 0.5 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialBackoffReconnectPolicy { MaxAttempts = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialBackoffReconnectPolicy { InitialDelay = TimeSpan.FromSeconds(-1) });
    }
}
