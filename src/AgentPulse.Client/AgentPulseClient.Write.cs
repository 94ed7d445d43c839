using System.Net.WebSockets;
using System.Threading.Channels;
using AgentPulse.Client.Internal;
using AgentPulse.Protocol;

namespace AgentPulse.Client;

public sealed partial class AgentPulseClient
{
    /// <summary>How long a liveness check by <see cref="ReconnectNowAsync"/> waits for the server.</summary>
    internal static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    // Wakes the send loop: the subscriptions' union changed, a ping is wanted (pingWanted), or a new token waits (Connection.PendingToken).
    private readonly Channel<bool> sendWanted = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private int pingWanted;

    /// <summary>Has the send loop of the open connection send a ping (its pong is the proof of life a liveness check waits for).</summary>
    private void RequestPing()
    {
        Interlocked.Exchange(ref pingWanted, 1);
        sendWanted.Writer.TryWrite(true);
    }

    /// <summary>The only writer of the socket (besides its close): keeps the server's filter equal to the subscriptions' union, sends refreshed access tokens and the pings of liveness checks.</summary>
    private async Task SendLoopAsync(Connection connection, string[] sent)
    {
        try
        {
            while (true)
            {
                var wanted = subscriptions.ServerTypes;
                var add = wanted.Except(sent, StringComparer.Ordinal).ToArray();
                var remove = sent.Except(wanted, StringComparer.Ordinal).ToArray();
                // Subscribe first, so that an event both sets match is never missed in between.
                if (add.Length > 0)
                {
                    await SendAsync(connection, new ClientOperation { Op = ClientOps.Subscribe, Types = add }).ConfigureAwait(false);
                }
                if (remove.Length > 0)
                {
                    await SendAsync(connection, new ClientOperation { Op = ClientOps.Unsubscribe, Types = remove }).ConfigureAwait(false);
                }
                sent = wanted;
                if (connection.TakePendingToken() is { } token)
                {
                    await SendAsync(connection, new ClientOperation { Op = ClientOps.Authenticate, Token = token }).ConfigureAwait(false);
                }
                if (Interlocked.Exchange(ref pingWanted, 0) == 1)
                {
                    await SendAsync(connection, new ClientOperation { Op = ClientOps.Ping, Id = "liveness" }).ConfigureAwait(false);
                }
                if (!await sendWanted.Reader.WaitToReadAsync(connection.SendStopped).ConfigureAwait(false))
                {
                    return;
                }
                sendWanted.Reader.TryRead(out _);
            }
        }
        catch (Exception ex) when (SocketErrors.IsGone(ex))
        {
            // The receive loop sees the end of the connection and says why.
        }
    }

    private static async ValueTask SendAsync(Connection connection, ClientOperation operation) =>
        await connection.Socket.SendAsync(Frames.Operation(operation), WebSocketMessageType.Text, endOfMessage: true, connection.SendStopped).ConfigureAwait(false);
}
