using System.Buffers.Binary;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// RFC 6455 frames as a server sends them: final, unmasked. A server frame is the same bytes for
/// every connection, so an event is framed once and copied as it is into each connection's batch.
/// </summary>
internal static class WebSocketFrames
{
    private const byte FinalText = 0x81;

    /// <summary>A final text frame around <paramref name="payload"/>.</summary>
    public static byte[] Text(ReadOnlySpan<byte> payload)
    {
        var headerLength = payload.Length switch
        {
            <= 125 => 2,
            <= ushort.MaxValue => 4,
            _ => 10,
        };
        var frame = new byte[headerLength + payload.Length];
        frame[0] = FinalText;
        switch (headerLength)
        {
            case 2:
                frame[1] = (byte)payload.Length;
                break;
            case 4:
                frame[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
                break;
            default:
                frame[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
                break;
        }
        payload.CopyTo(frame.AsSpan(headerLength));
        return frame;
    }
}
