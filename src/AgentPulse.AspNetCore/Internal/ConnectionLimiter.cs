using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// Counts the WebSocket connections of the endpoint, in all and per client address, and admits a new
/// one only within <see cref="AgentPulseOptions.MaxConnections"/> and <see cref="AgentPulseOptions.MaxConnectionsPerIp"/>.
/// A place is taken before the upgrade and given back when the connection's request ends.
/// </summary>
internal sealed class ConnectionLimiter(IOptions<AgentPulseOptions> options)
{
    private readonly Lock gate = new();
    private readonly Dictionary<IPAddress, int> perAddress = [];
    private int count;
    private bool full;

    /// <summary>The connections admitted and not yet ended.</summary>
    public int Count => Volatile.Read(ref count);

    /// <summary>Takes a place for a connection from <paramref name="remote"/>; <c>null</c> when there is none, and why.</summary>
    /// <param name="remote">The client's address.</param>
    /// <param name="refusal">Why not; <see cref="Refusal.ServerFullNow"/> only for the first refusal since the server had room.</param>
    public Place? TryAdmit(IPAddress? remote, out Refusal refusal)
    {
        var opts = options.Value;
        var key = remote is null ? IPAddress.None : KeyOf(remote);
        lock (gate)
        {
            if (count >= opts.MaxConnections)
            {
                refusal = full ? Refusal.ServerFull : Refusal.ServerFullNow;
                full = true;
                return null;
            }
            full = false;
            perAddress.TryGetValue(key, out var fromAddress);
            if (fromAddress >= opts.MaxConnectionsPerIp)
            {
                refusal = Refusal.AddressFull;
                return null;
            }
            perAddress[key] = fromAddress + 1;
            count++;
        }
        refusal = Refusal.None;
        return new Place(this, key);
    }

    private void Release(IPAddress key)
    {
        lock (gate)
        {
            count--;
            if (perAddress.TryGetValue(key, out var fromAddress) && fromAddress > 1)
            {
                perAddress[key] = fromAddress - 1;
            }
            else
            {
                perAddress.Remove(key);
            }
        }
    }

    /// <summary>An IPv4 client by its address; an IPv6 one by its /64, the block a single site is given.</summary>
    internal static IPAddress KeyOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    /// <summary>Why a connection was not admitted.</summary>
    public enum Refusal
    {
        /// <summary>It was.</summary>
        None,
        /// <summary>The server holds <see cref="AgentPulseOptions.MaxConnections"/>, and had room until now.</summary>
        ServerFullNow,
        /// <summary>The server holds <see cref="AgentPulseOptions.MaxConnections"/>.</summary>
        ServerFull,
        /// <summary>The client's address holds <see cref="AgentPulseOptions.MaxConnectionsPerIp"/>.</summary>
        AddressFull,
    }

    /// <summary>A place taken; disposing gives it back, once.</summary>
    internal sealed class Place(ConnectionLimiter limiter, IPAddress key) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                limiter.Release(key);
            }
        }
    }
}
