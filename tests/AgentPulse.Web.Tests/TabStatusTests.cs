namespace AgentPulse.Web.Tests;

public class TabStatusTests : WebTestContext
{
    [Theory]
    [InlineData(ConnectionState.Connected, 0, "AgentPulse", "favicon.svg")]
    [InlineData(ConnectionState.Connected, 2, "2 running · AgentPulse", "favicon-busy.svg")]
    [InlineData(ConnectionState.Connecting, 0, "Connecting… · AgentPulse", "favicon.svg")]
    [InlineData(ConnectionState.Reconnecting, 2, "Reconnecting… · AgentPulse", "favicon-offline.svg")]
    [InlineData(ConnectionState.Disconnected, 0, "Disconnected · AgentPulse", "favicon-offline.svg")]
    public void TheTabsTitleAndIcon_SayWhatThePageWould(ConnectionState state, int working, string title, string icon) =>
        Assert.Equal((title, icon), TabStatus.Describe(new ConnectionStatus(state, Reason: state == ConnectionState.Disconnected ? DisconnectReason.ConnectFailed : null), working));

    [Fact]
    public void TheTabsIcon_SaysBusyWhileTasksRun_AndOfflineWhileTheConnectionIsDown()
    {
        var cut = Render<TabStatus>();
        Assert.Equal("favicon.svg", LastIcon());

        Client.Publish(new TaskStarted("a", TaskKinds.DocumentIndex, "Indexing a.md", "indexer", null));
        Time.Advance(TimeSpan.FromMilliseconds(500));
        cut.WaitForAssertion(() => Assert.Equal("favicon-busy.svg", LastIcon()));

        Client.SetStatus(new ConnectionStatus(ConnectionState.Reconnecting, 1, TimeSpan.FromSeconds(1), DisconnectReason.ConnectionLost));
        Time.Advance(TimeSpan.FromMilliseconds(500));
        cut.WaitForAssertion(() => Assert.Equal("favicon-offline.svg", LastIcon()));
    }

    private string LastIcon() => (string)JSInterop.Invocations.Last(i => i.Identifier == "agentPulse.page.setIcon").Arguments[0]!;
}
