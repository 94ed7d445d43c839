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
        { new ConnectionStatus(ConnectionState.Disconnected, Attempt: 5, Reason: "gave up after 5 attempts: connect failed: net_webstatus_ConnectFailure"), null, "Disconnected: the server could not be reached (gave up after 5 attempts)" },
        { new ConnectionStatus(ConnectionState.Disconnected, Attempt: 1, Reason: "gave up: heartbeat timeout"), null, "Disconnected: heartbeat timeout (gave up)" },
        { new ConnectionStatus(ConnectionState.Disconnected, Reason: "unauthorized", CloseCode: 4001), null, "Disconnected: unauthorized" },
        { new ConnectionStatus(ConnectionState.Disconnected), null, "Disconnected" },
        { new ConnectionStatus(ConnectionState.Closed, Reason: "disposed"), null, "Closed" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Describe_EachState_SaysWhatAPersonNeeds(ConnectionStatus status, TimeSpan? remaining, string expected) =>
        Assert.Equal(expected, ConnectionStatusText.Describe(status, maxAttempts: 5, remaining));

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
