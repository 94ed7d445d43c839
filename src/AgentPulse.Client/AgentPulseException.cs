namespace AgentPulse.Client;

/// <summary>The client could not connect and has stopped trying (see <see cref="AgentPulseClient.StartAsync"/>).</summary>
public sealed class AgentPulseException : Exception
{
    /// <summary>Makes one with a default message.</summary>
    public AgentPulseException()
        : base("The AgentPulse client could not connect.")
    {
    }

    /// <summary>Makes one with <paramref name="message"/>.</summary>
    public AgentPulseException(string message)
        : base(message)
    {
    }

    /// <summary>Makes one with <paramref name="message"/> and the exception behind it.</summary>
    public AgentPulseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Makes one from the status the client ended in.</summary>
    public AgentPulseException(ConnectionStatus status)
        : base(status?.Reason ?? "The AgentPulse client could not connect.")
    {
        Status = status;
    }

    /// <summary>The status the client was left in (<see cref="ConnectionState.Disconnected"/>, with the reason); <c>null</c> when not given.</summary>
    public ConnectionStatus? Status { get; }
}
