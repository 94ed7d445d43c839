namespace AgentPulse.Web.Tests;

public class ConnectionIndicatorTests : WebTestContext
{
    private string StatusText(IRenderedComponent<ConnectionIndicator> cut) => cut.Find("[role=status]").TextContent;

    [Fact]
    public void Connected_ShowsConnected_WithoutARetryButton()
    {
        var cut = Render<ConnectionIndicator>();

        Assert.Equal("Connected", StatusText(cut));
        Assert.Empty(cut.FindAll("button"));
    }

    [Fact]
    public void Connecting_ShowsConnecting()
    {
        Client.SetStatus(new ConnectionStatus(ConnectionState.Connecting));

        var cut = Render<ConnectionIndicator>();

        Assert.Equal("Connecting…", StatusText(cut));
    }

    [Fact]
    public void AClientNotStartedYet_ShowsConnecting_NeverARedDisconnected()
    {
        // The page starts its client before the first render; until it has, its status is Disconnected with no reason.
        Client.SetStatus(new ConnectionStatus(ConnectionState.Disconnected));

        var cut = Render<ConnectionIndicator>();

        Assert.Equal("Connecting…", StatusText(cut));
        Assert.Equal("connection connection-connecting", cut.Find(".connection").ClassName);
        Assert.Empty(cut.FindAll("button"));
    }

    [Fact]
    public void Reconnecting_ShowsTheAttemptOfFive_AndCountsDownTheNextOne()
    {
        var cut = Render<ConnectionIndicator>();

        Client.SetStatus(new ConnectionStatus(ConnectionState.Reconnecting, Attempt: 2, NextDelay: TimeSpan.FromSeconds(4)));
        cut.WaitForAssertion(() => Assert.Equal("Reconnecting, attempt 2 of 5, next in 4 s", StatusText(cut)));

        Time.Advance(TimeSpan.FromSeconds(1.5));
        cut.WaitForAssertion(() => Assert.Equal("Reconnecting, attempt 2 of 5, next in 3 s", StatusText(cut)));

        Time.Advance(TimeSpan.FromSeconds(2));
        cut.WaitForAssertion(() => Assert.Equal("Reconnecting, attempt 2 of 5, next in 1 s", StatusText(cut)));
    }

    [Fact]
    public void Disconnected_ShowsTheReason_AndRetryAsksTheClientToTryNow()
    {
        var cut = Render<ConnectionIndicator>();

        Client.SetStatus(new ConnectionStatus(ConnectionState.Disconnected, Attempt: 5, Reason: DisconnectReason.ConnectFailed) { GaveUp = true, Exception = new System.Net.Sockets.SocketException(111) });
        cut.WaitForAssertion(() => Assert.Equal("Disconnected: the server could not be reached (gave up after 5 attempts)", StatusText(cut)));
        cut.Find("button").Click();

        Assert.Equal("Retry", cut.Find("button").TextContent);
        Assert.Equal(1, Client.ReconnectNowCount);
    }

    [Fact]
    public void Disposed_LeavesNoHandlerOnTheConnection()
    {
        var before = Client.StateChangedHandlerCount;
        var cut = Render<ConnectionIndicator>();
        Assert.Equal(before + 1, Client.StateChangedHandlerCount);

        cut.Instance.Dispose();

        Assert.Equal(before, Client.StateChangedHandlerCount);
    }
}
