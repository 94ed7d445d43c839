using System.Net;
using System.Net.Sockets;

namespace AgentPulse.Bench.Storm;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of the server: it forwards bytes both ways, and cuts connections with
/// a reset when told (all at once: a network failure between many clients and their node; one: a blip).
/// The server sees each cut as a connection lost; the clients see 1006.
/// </summary>
internal sealed class CuttingProxy : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint target;
    private readonly Lock gate = new();
    private readonly List<(Socket Client, Socket Server)> open = [];
    private readonly CancellationTokenSource stopping = new();
    private readonly Task accepting;

    public CuttingProxy(IPEndPoint target)
    {
        this.target = target;
        listener.Start(4096);
        accepting = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public int OpenCount
    {
        get
        {
            lock (gate)
            {
                return open.Count;
            }
        }
    }

    /// <summary>Cuts every connection now, with a reset (no close handshake); returns how many.</summary>
    public int CutAll()
    {
        List<(Socket, Socket)> cut;
        lock (gate)
        {
            cut = [.. open];
            open.Clear();
        }
        foreach (var pair in cut)
        {
            Reset(pair);
        }
        return cut.Count;
    }

    /// <summary>Cuts the most recent connection only: one client's blip.</summary>
    public void CutOne()
    {
        (Socket, Socket)? pair = null;
        lock (gate)
        {
            if (open.Count > 0)
            {
                pair = open[^1];
                open.RemoveAt(open.Count - 1);
            }
        }
        if (pair is { } p)
        {
            Reset(p);
        }
    }

    private static void Reset((Socket Client, Socket Server) pair)
    {
        foreach (var socket in new[] { pair.Client, pair.Server })
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0); // close with RST
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(stopping.Token);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(target, stopping.Token);
        }
        catch (Exception)
        {
            client.Close();
            server.Dispose();
            return;
        }
        var pair = (client, server);
        lock (gate)
        {
            open.Add(pair);
        }
        await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        lock (gate)
        {
            open.Remove(pair);
        }
        client.Close();
        server.Close();
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, stopping.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, stopping.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Cut, or the other side went away: the pair is closed by the caller.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        CutAll();
        try
        {
            await accepting;
        }
        catch (OperationCanceledException)
        {
        }
        stopping.Dispose();
    }
}
