using AgentPulse.AspNetCore.Internal;

namespace AgentPulse.AspNetCore.Tests;

public sealed class WakeSignalTests
{
    [Fact]
    public async Task SetBeforeTheWait_CompletesItAtOnce_AndOnlyOnce()
    {
        var signal = new WakeSignal();
        signal.Set();
        signal.Set();

        Assert.True(await signal.WaitAsync());
        var second = signal.WaitAsync();
        Assert.False(second.IsCompleted);
        signal.Set();
        Assert.True(await second.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Close_EndsTheWaiter_AndEveryWaitAfter()
    {
        var signal = new WakeSignal();
        var waiting = signal.WaitAsync();

        signal.Close();
        signal.Set();

        Assert.False(await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(await signal.WaitAsync());
    }
}
