namespace AgentPulse.Web.Tests;

public class ConnectionStatusTextTests
{
    public static TheoryData<ConnectionStatus, TimeSpan?, string> Cases => new()
    {
        { new ConnectionStatus(ConnectionState.Connected), null, "Connected" },
        { new ConnectionStatus(ConnectionState.Connecting), null, "Connecting…" },
        { new ConnectionStatus(ConnectionState.Connecting, Attempt: 1, NextDelay: TimeSpan.FromSeconds(1)), TimeSpan.FromSeconds(0.6), "Connecting, attempt 1 of 5, next in 1 s" },
        { new ConnectionStatus(ConnectionState.Reconnecting, Attempt: 2, NextDelay: TimeSpan.FromSeconds(3)), TimeSpan.FromSeconds(3), "Reconnecting, attempt 2 of 5, next in 3 s" },
        { new ConnectionStatus(ConnectionState.Reconnecting, Attempt: 2, NextDelay: TimeSpan.FromSeconds(3)), TimeSpan.FromSeconds(2.2), "Reconnecting, attempt 2 of 5, next in 3 s" },
        { new ConnectionStatus(ConnectionState.Reconnecting, Attempt: 3), null, "Reconnecting, attempt 3 of 5…" },
        { new ConnectionStatus(ConnectionState.Reconnecting), null, "Reconnecting…" },
        // The browser's exception says net_webstatus_ConnectFailure: the page words the type, never the message.
        { new ConnectionStatus(ConnectionState.Disconnected, Attempt: 5, Reason: DisconnectReason.ConnectFailed) { GaveUp = true, Exception = new System.Net.WebSockets.WebSocketException("net_webstatus_ConnectFailure") }, null, "Disconnected: the server could not be reached (gave up after 5 attempts)" },
        { new ConnectionStatus(ConnectionState.Disconnected, Attempt: 1, Reason: DisconnectReason.ConnectTimeout) { GaveUp = true }, null, "Disconnected: the server could not be reached (gave up after 1 attempt)" },
        { new ConnectionStatus(ConnectionState.Disconnected, Attempt: 0, Reason: DisconnectReason.HeartbeatTimeout, CloseCode: 1006) { GaveUp = true }, null, "Disconnected: the server stopped answering (gave up)" },
        { new ConnectionStatus(ConnectionState.Disconnected, Attempt: 5, Reason: DisconnectReason.Unauthorized) { GaveUp = true }, null, "Disconnected: unauthorized (gave up after 5 attempts)" },
        { new ConnectionStatus(ConnectionState.Disconnected, Reason: DisconnectReason.Unauthorized, CloseCode: 4001, CloseReason: "token expired"), null, "Disconnected: unauthorized" },
        { new ConnectionStatus(ConnectionState.Disconnected, Reason: DisconnectReason.ClosedByServer, CloseCode: 1000), null, "Disconnected: closed by the server" },
        { new ConnectionStatus(ConnectionState.Disconnected, Reason: DisconnectReason.PolicyViolation, CloseCode: 1008), null, "Disconnected: the server refused what the page sent" },
        { new ConnectionStatus(ConnectionState.Disconnected, Attempt: 5, Reason: DisconnectReason.OtherCloseCode, CloseCode: 1011) { GaveUp = true }, null, "Disconnected: closed by the server (1011) (gave up after 5 attempts)" },
        { new ConnectionStatus(ConnectionState.Disconnected, Reason: DisconnectReason.Stopped, CloseCode: 1000), null, "Disconnected: stopped" },
        { new ConnectionStatus(ConnectionState.Disconnected), null, "Disconnected" },
        { new ConnectionStatus(ConnectionState.Closed, Reason: DisconnectReason.Disposed), null, "Closed" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Describe_EachState_SaysWhatAPersonNeeds(ConnectionStatus status, TimeSpan? remaining, string expected) =>
        Assert.Equal(expected, ConnectionStatusText.Describe(status, maxAttempts: 5, remaining));

    [Fact]
    public void Why_WordsEveryReason_WithoutTheClientsText()
    {
        var words = Enum.GetValues<DisconnectReason>().Select(r => ConnectionStatusText.Why(r)).ToList();

        Assert.All(words, w => Assert.False(string.IsNullOrWhiteSpace(w)));
        Assert.DoesNotContain(words, w => Enum.GetNames<DisconnectReason>().Any(name => w.Contains(name, StringComparison.Ordinal)));
    }

    [Fact]
    public void Describe_WithoutAnAttemptLimit_LeavesOutTheTotal() =>
        Assert.Equal(
            "Reconnecting, attempt 7, next in 30 s",
            ConnectionStatusText.Describe(new ConnectionStatus(ConnectionState.Reconnecting, 7, TimeSpan.FromSeconds(30)), null, TimeSpan.FromSeconds(30)));

    [Fact]
    public void Remaining_CountsDownFromWhenTheStatusWasSeen_AndStopsAtZero()
    {
        var seen = new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero);
        var status = new ConnectionStatus(ConnectionState.Reconnecting, 1, TimeSpan.FromSeconds(4));

        Assert.Equal(TimeSpan.FromSeconds(2.5), ConnectionStatusText.Remaining(status, seen, seen.AddSeconds(1.5)));
        Assert.Equal(TimeSpan.Zero, ConnectionStatusText.Remaining(status, seen, seen.AddSeconds(9)));
        Assert.Null(ConnectionStatusText.Remaining(new ConnectionStatus(ConnectionState.Connected), seen, seen));
    }
}
