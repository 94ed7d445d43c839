using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// RFC 6455 as a server writes it: final, unmasked text frames, and the handshake's accept key.
/// A server frame is the same bytes for every connection, so an event is framed once and copied as
/// it is into each connection's batch (see <see cref="FrameSink"/>). No extension is ever
/// negotiated (<see cref="WebSocketEndpoint"/> answers none), so the reserved bits stay zero.
/// </summary>
internal static class WebSocketFrames
{
    private const byte FinalText = 0x81;

    /// <summary>The longest header: 2 bytes, then 8 for a payload over 65,535 bytes.</summary>
    public const int MaxHeaderLength = 10;

    /// <summary>The length of the header of a frame carrying <paramref name="payloadLength"/> bytes: 2, 4 or 10.</summary>
    public static int HeaderLength(int payloadLength) => payloadLength switch
    {
        <= 125 => 2,
        <= ushort.MaxValue => 4,
        _ => 10,
    };

    /// <summary>Writes the header of a final text frame of <paramref name="payloadLength"/> bytes; returns its length.</summary>
    public static int WriteTextHeader(Span<byte> destination, int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        var length = HeaderLength(payloadLength);
        destination[0] = FinalText;
        switch (length)
        {
            case 2:
                destination[1] = (byte)payloadLength;
                break;
            case 4:
                destination[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
                break;
            default:
                destination[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
                break;
        }
        return length;
    }

    /// <summary>A final text frame around <paramref name="payload"/>.</summary>
    public static byte[] Text(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderLength(payload.Length) + payload.Length];
        var headerLength = WriteTextHeader(frame, payload.Length);
        payload.CopyTo(frame.AsSpan(headerLength));
        return frame;
    }

    /// <summary>RFC 6455 section 4.2.2: base64(SHA-1(key + GUID)), for <c>Sec-WebSocket-Accept</c>.</summary>
    public static string AcceptKey(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
}
