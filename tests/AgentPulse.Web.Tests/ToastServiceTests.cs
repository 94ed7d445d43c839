namespace AgentPulse.Web.Tests;

public class ToastServiceTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero));

    [Fact]
    public void InfoToast_StaysFiveSeconds_ThenGoes()
    {
        using var toasts = new ToastService(time);
        toasts.Show(ToastLevel.Info, "hello");

        time.Advance(TimeSpan.FromSeconds(4.999));
        Assert.Single(toasts.Toasts);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Empty(toasts.Toasts);
    }

    [Fact]
    public void ErrorToast_StaysTenSeconds()
    {
        using var toasts = new ToastService(time);
        toasts.Show(ToastLevel.Error, "it broke");

        time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal("it broke", Assert.Single(toasts.Toasts).Message);

        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Empty(toasts.Toasts);
    }

    [Fact]
    public void PausedToast_DoesNotGo_AndResumesWithTheTimeItHadLeft()
    {
        using var toasts = new ToastService(time);
        var id = toasts.Show(ToastLevel.Success, "indexed");

        time.Advance(TimeSpan.FromSeconds(3));
        toasts.Pause(id);
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.True(Assert.Single(toasts.Toasts).Paused);

        toasts.Resume(id);
        time.Advance(TimeSpan.FromSeconds(1.999));
        Assert.False(Assert.Single(toasts.Toasts).Paused);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Empty(toasts.Toasts);
    }

    [Fact]
    public void FullStack_DropsTheOldest()
    {
        using var toasts = new ToastService(time) { MaxToasts = 3 };
        for (var i = 1; i <= 5; i++)
        {
            toasts.Show(ToastLevel.Info, $"toast {i}");
        }

        Assert.Equal(["toast 3", "toast 4", "toast 5"], toasts.Toasts.Select(t => t.Message));
    }

    [Fact]
    public void Dismiss_RemovesAtOnce_AndRaisesChanged()
    {
        using var toasts = new ToastService(time);
        var changes = 0;
        toasts.Changed += () => changes++;
        var id = toasts.Show(ToastLevel.Info, "bye", new ToastOptions { Title = "Note" });

        toasts.Dismiss(id);

        Assert.Empty(toasts.Toasts);
        Assert.Equal(2, changes);
    }

    [Fact]
    public void InfiniteDuration_StaysUntilDismissed_AndCustomDurationIsHonoured()
    {
        using var toasts = new ToastService(time);
        toasts.Show(ToastLevel.Info, "sticky", new ToastOptions { Duration = Timeout.InfiniteTimeSpan });
        toasts.Show(ToastLevel.Info, "quick", new ToastOptions { Duration = TimeSpan.FromSeconds(1) });

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("sticky", Assert.Single(toasts.Toasts).Message);

        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal("sticky", Assert.Single(toasts.Toasts).Message);
    }

    [Fact]
    public void Update_ChangesAToastOnScreen_AndRestartsItsCountdown_ButNotAGoneOne()
    {
        using var toasts = new ToastService(time);
        var id = toasts.Show(ToastLevel.Success, "a.md is searchable.", new ToastOptions { Title = "Indexed" });
        time.Advance(TimeSpan.FromSeconds(4));

        Assert.True(toasts.Update(id, ToastLevel.Success, "a.md and b.md are searchable.", new ToastOptions { Title = "2 documents indexed" }));
        time.Advance(TimeSpan.FromSeconds(4));

        var toast = Assert.Single(toasts.Toasts);
        Assert.Equal(("2 documents indexed", "a.md and b.md are searchable.", time.GetUtcNow().AddSeconds(-4)), (toast.Title, toast.Message, toast.At));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(toasts.Toasts);
        Assert.False(toasts.Update(id, ToastLevel.Success, "late", null));
    }

    [Fact]
    public void DismissAll_RemovesEveryToast()
    {
        using var toasts = new ToastService(time);
        toasts.Show(ToastLevel.Info, "one");
        toasts.Show(ToastLevel.Error, "two");

        toasts.DismissAll();

        Assert.Empty(toasts.Toasts);
    }

    [Fact]
    public void TheStack_HoldsThreeByDefault()
    {
        using var toasts = new ToastService(time);
        Assert.Equal(3, toasts.MaxToasts);
    }
}
