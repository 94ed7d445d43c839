using System.Net.WebSockets;
using AgentPulse.Web.Internal;

namespace AgentPulse.Web.Tests;

public class BrowserCloseCodeWebSocketTests
{
    [Theory]
    [InlineData(1000, 1000)]
    [InlineData(1001, 1000)]
    [InlineData(1008, 1000)]
    [InlineData(1011, 1000)]
    [InlineData(3000, 3000)]
    [InlineData(4008, 4008)]
    [InlineData(4999, 4999)]
    public void Sendable_KeepsTheCodesABrowserSends_AndTurnsTheRestInto1000(int code, int expected) =>
        Assert.Equal(expected, (int)BrowserCloseCodeWebSocket.Sendable((WebSocketCloseStatus)code));
}
