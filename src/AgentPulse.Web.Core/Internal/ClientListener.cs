namespace AgentPulse.Web.Internal;

/// <summary>What an app-wide service holds on the client: a resync handler and subscriptions. Dispose takes them all off.</summary>
internal sealed class ClientListener : IDisposable
{
    private readonly IAgentPulseClient client;
    private readonly Action<ResyncEventArgs> onResynced;
    private readonly IDisposable[] subscriptions;

    private ClientListener(IAgentPulseClient client, Action<ResyncEventArgs> onResynced, IDisposable[] subscriptions)
    {
        this.client = client;
        this.onResynced = onResynced;
        this.subscriptions = subscriptions;
    }

    /// <summary>Hooks <paramref name="onResynced"/> and makes the subscriptions; <paramref name="existing"/> must be <c>null</c> (a service attaches once).</summary>
    /// <exception cref="InvalidOperationException">The service is attached already.</exception>
    public static ClientListener Attach(ClientListener? existing, string owner, IAgentPulseClient client, Action<ResyncEventArgs> onResynced, Func<IAgentPulseClient, IDisposable[]> subscribe)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (existing is not null)
        {
            throw new InvalidOperationException($"{owner} is attached already.");
        }
        client.Resynced += onResynced;
        return new ClientListener(client, onResynced, subscribe(client));
    }

    public void Dispose()
    {
        client.Resynced -= onResynced;
        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }
    }
}
