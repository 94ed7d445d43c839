using System.Net;
using AgentPulse.AspNetCore.Internal;

namespace AgentPulse.AspNetCore.Tests;

public sealed class ConnectionBudgetTests
{
    [Theory]
    // open-file limit, memory → WebSockets, other connections
    [InlineData(20_000L, 24L << 30, 13_870, 4_624)]
    [InlineData(1_024L, 24L << 30, 528, 176)]
    [InlineData(1_048_576L, 24L << 30, 196_608, 245_696)]
    [InlineData(1_048_576L, 1L << 30, 8_192, 245_696)]
    [InlineData(300L, 1L << 30, 24, 8)]
    public void Budget_LeavesRoomForFilesAndMemory(long openFiles, long memory, int webSockets, int http)
    {
        var budget = ConnectionBudget.For(openFiles, memory);

        Assert.Equal((webSockets, http), (budget.WebSockets, budget.HttpConnections));
        Assert.True(budget.WebSockets + budget.HttpConnections + ConnectionBudget.ReservedFiles <= openFiles);
    }

    [Fact]
    public void Budget_WithoutAnOpenFileLimit_IsSetByMemory()
    {
        var budget = ConnectionBudget.For(null, 1L << 30);

        Assert.Equal((8_192, 2_730, (long?)null), (budget.WebSockets, budget.HttpConnections, budget.OpenFileLimit));
    }

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::")]
    public void AClientAddress_IsCountedByItsAddress_OrItsIPv6Slash64(string address, string key) =>
        Assert.Equal(IPAddress.Parse(key), ConnectionLimiter.KeyOf(IPAddress.Parse(address)));
}
