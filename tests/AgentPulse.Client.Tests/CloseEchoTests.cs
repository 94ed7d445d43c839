using System.Net.WebSockets;

namespace AgentPulse.Client.Tests;

public sealed class CloseEchoTests
{
    [Theory]
    [InlineData(1000, 1000)]
    [InlineData(1001, 1001)]
    [InlineData(4008, 4008)]
    [InlineData(null, 1000)]
    public void OutsideTheBrowser_TheServersCloseIsAnsweredWithItsOwnCode(int? received, int expected) =>
        Assert.Equal(expected, (int)AgentPulseClient.EchoCloseStatus((WebSocketCloseStatus?)received));
}
