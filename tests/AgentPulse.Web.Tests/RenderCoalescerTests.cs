namespace AgentPulse.Web.Tests;

public class RenderCoalescerTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero));

    [Fact]
    public void FirstRequest_RendersAtOnce_TheRestOfTheIntervalRenderOnceAtItsEnd()
    {
        var renders = 0;
        using var coalescer = new RenderCoalescer(time, TimeSpan.FromMilliseconds(100), () => renders++);

        coalescer.Request();
        Assert.Equal(1, renders);
        for (var i = 0; i < 50; i++)
        {
            coalescer.Request();
        }
        Assert.Equal(1, renders);

        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(1, renders);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, renders);
    }

    [Fact]
    public void AThousandRequestsInASecond_RenderOncePerHundredMilliseconds()
    {
        var renders = 0;
        using var coalescer = new RenderCoalescer(time, TimeSpan.FromMilliseconds(100), () => renders++);

        for (var ms = 0; ms < 1000; ms++)
        {
            coalescer.Request();
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        // At 0, 100, …, 900 ms, and the last batch at 1000 ms.
        Assert.Equal(11, renders);
    }

    [Fact]
    public void Dispose_DropsAPendingRender()
    {
        var renders = 0;
        var coalescer = new RenderCoalescer(time, TimeSpan.FromMilliseconds(100), () => renders++);
        coalescer.Request();
        coalescer.Request();

        coalescer.Dispose();
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, renders);
    }
}
