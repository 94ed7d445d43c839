using Microsoft.Extensions.Options;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// Admits WebSocket upgrades at a bounded rate, so that a reconnect storm reaches the expensive part
/// (join, replay, snapshot) spread over time. A generic cell rate algorithm: an upgrade is admitted
/// while the admitted ones are at most <see cref="AgentPulseOptions.UpgradeBurst"/> ahead of the rate.
/// A refused one is promised the next free slot after those already promised, and told to wait until
/// then: a storm of N is told N different times, one rate-interval apart, rather than all "1 second".
/// </summary>
/// <remarks>One check per upgrade, under a lock held for a few arithmetic operations. A connection cap
/// (per node, per address) is a separate check beside this one.</remarks>
internal sealed class UpgradeAdmission
{
    private readonly Lock gate = new();
    private readonly TimeProvider time;
    private readonly long interval; // timestamp ticks between two admissions
    private readonly long tolerance; // how far ahead of the rate admissions may run (the burst)
    private readonly bool unlimited;
    private long theoreticalArrival; // when the next admission would be on time
    private long lastPromise; // the latest slot promised to a refused upgrade

    public UpgradeAdmission(IOptions<AgentPulseOptions> options, TimeProvider time)
    {
        this.time = time;
        var rate = options.Value.MaxUpgradesPerSecond;
        unlimited = rate == 0;
        interval = unlimited ? 0 : Math.Max(1, time.TimestampFrequency / rate);
        tolerance = interval * (options.Value.UpgradeBurst - 1);
        theoreticalArrival = lastPromise = time.GetTimestamp();
    }

    /// <summary>Admits the upgrade now, or says how long it should wait (its promised slot).</summary>
    public bool TryAdmit(out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (unlimited)
        {
            return true;
        }
        var now = time.GetTimestamp();
        lock (gate)
        {
            var arrival = Math.Max(theoreticalArrival, now);
            if (arrival - now <= tolerance)
            {
                theoreticalArrival = arrival + interval;
                return true;
            }
            lastPromise = Math.Max(lastPromise, arrival) + interval;
            retryAfter = TimeSpan.FromSeconds((double)(lastPromise - now) / time.TimestampFrequency);
            return false;
        }
    }
}
