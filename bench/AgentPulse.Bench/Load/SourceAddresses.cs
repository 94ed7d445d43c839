using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace AgentPulse.Bench.Load;

/// <summary>
/// Connections from several loopback addresses (127.0.0.2, 127.0.0.3, …): one source address has one
/// ephemeral port range (about 28,000 ports on Linux) per server address and port, so 100,000
/// connections to one server need four or more. Each address is bound with IP_BIND_ADDRESS_NO_PORT,
/// so that the port is chosen at connect time for the whole 4-tuple.
/// </summary>
internal static class SourceAddresses
{
    /// <summary>Connections per source address: well under the ephemeral range, so that ports in TIME_WAIT from an earlier server do not get in the way.</summary>
    public const int ConnectionsPerAddress = 20_000;

    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24; // Linux, <linux/in.h>

    private static readonly ConcurrentDictionary<IPAddress, HttpMessageInvoker> Invokers = new();

    /// <summary>As many addresses as <paramref name="connections"/> need, from 127.0.0.2 on.</summary>
    public static IReadOnlyList<IPAddress> For(int connections)
    {
        var count = Math.Max(1, (connections + ConnectionsPerAddress - 1) / ConnectionsPerAddress);
        return Enumerable.Range(2, count).Select(i => new IPAddress(new byte[] { 127, 0, 0, (byte)i })).ToArray();
    }

    /// <summary>A <see cref="ClientWebSocket"/> connected from <paramref name="local"/>, with the given keep-alive.</summary>
    public static async ValueTask<WebSocket> ConnectAsync(Uri uri, IPAddress local, TimeSpan keepAlive, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = keepAlive;
        try
        {
            await socket.ConnectAsync(uri, Invokers.GetOrAdd(local, MakeInvoker), cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static HttpMessageInvoker MakeInvoker(IPAddress local) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                if (OperatingSystem.IsLinux())
                {
                    socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
                }
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });
}
