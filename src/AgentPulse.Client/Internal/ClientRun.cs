using System.Net.WebSockets;
using System.Threading.Channels;

namespace AgentPulse.Client.Internal;

/// <summary>One start-to-stop span of the connection loop.</summary>
internal sealed class ClientRun
{
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();

    public CancellationToken Stopping => stop.Token;

    public TaskCompletionSource FirstConnection { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes the loop for <see cref="AgentPulseClient.ReconnectNowAsync"/>.</summary>
    public Channel<bool> ReconnectNow { get; } = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    /// <summary>The close a stop sends (default: 1000 "client closing").</summary>
    public (WebSocketCloseStatus Status, string? Description) Close { get; private set; } = (WebSocketCloseStatus.NormalClosure, "client closing");

    /// <summary>Ends the run; the first stop's close wins.</summary>
    public void Stop(WebSocketCloseStatus status, string? description)
    {
        lock (gate)
        {
            if (stop.IsCancellationRequested)
            {
                return;
            }
            Close = (status, description);
        }
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void DrainReconnectNow()
    {
        while (ReconnectNow.Reader.TryRead(out _))
        {
        }
    }
}
