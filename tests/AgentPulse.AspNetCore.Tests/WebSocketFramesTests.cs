using System.Net.WebSockets;
using AgentPulse.AspNetCore.Internal;

namespace AgentPulse.AspNetCore.Tests;

public sealed class WebSocketFramesTests
{
    [Theory]
    [InlineData(0, new byte[] { 0x81, 0 })]
    [InlineData(125, new byte[] { 0x81, 125 })]
    [InlineData(126, new byte[] { 0x81, 126, 0, 126 })]
    [InlineData(65_535, new byte[] { 0x81, 126, 0xFF, 0xFF })]
    [InlineData(65_536, new byte[] { 0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0 })]
    public void TextHeader_IsFinalUnmaskedText_WithTheShortestLengthEncoding(int payloadLength, byte[] expected)
    {
        var header = new byte[WebSocketFrames.MaxHeaderLength];

        var length = WebSocketFrames.WriteTextHeader(header, payloadLength);

        Assert.Equal(expected, header[..length]);
        Assert.Equal(expected.Length, WebSocketFrames.HeaderLength(payloadLength));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    public async Task TextFrame_IsReadWhole_ByAClientWebSocket(int payloadLength)
    {
        var payload = Enumerable.Range(0, payloadLength).Select(i => (byte)('a' + (i % 26))).ToArray();
        using var client = WebSocket.CreateFromStream(new MemoryStream(WebSocketFrames.Text(payload)), new WebSocketCreationOptions { IsServer = false });
        var received = new byte[payloadLength + 1];

        var result = await client.ReceiveAsync(received.AsMemory(), CancellationToken.None);
        var count = result.Count;
        while (!result.EndOfMessage)
        {
            result = await client.ReceiveAsync(received.AsMemory(count), CancellationToken.None);
            count += result.Count;
        }

        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        Assert.Equal(payload, received[..count]);
    }

    [Fact]
    public void AcceptKey_IsTheOneOfRfc6455sExample()
    {
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketFrames.AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="));
    }
}
