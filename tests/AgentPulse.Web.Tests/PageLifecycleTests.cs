using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentPulse.Web.Tests;

public class PageLifecycleTests : WebTestContext
{
    private PageLifecycle NewLifecycle() => new(Client, JSInterop.JSRuntime, NullLogger<PageLifecycle>.Instance);

    [Fact]
    public async Task Start_HooksThePagesEvents_AndStartsTheClient()
    {
        using var lifecycle = NewLifecycle();

        await lifecycle.StartAsync();

        var register = Assert.Single(JSInterop.Invocations, i => i.Identifier == "agentPulse.lifecycle.register");
        Assert.IsType<Microsoft.JSInterop.DotNetObjectReference<PageLifecycle>>(register.Arguments[0]);
        Assert.Equal(1, Client.StartCount);
    }

    [Fact]
    public void PageHide_StopsTheClientWith1000()
    {
        using var lifecycle = NewLifecycle();

        lifecycle.OnPageHide();

        Assert.Equal([(WebSocketCloseStatus.NormalClosure, (string?)"page hidden")], Client.Stops);
    }

    [Fact]
    public async Task PageActive_AsksTheClientToTryNow()
    {
        using var lifecycle = NewLifecycle();

        await lifecycle.OnPageActiveAsync();

        Assert.Equal(1, Client.ReconnectNowCount);
    }
}
