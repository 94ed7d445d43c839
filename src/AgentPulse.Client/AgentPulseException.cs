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

    /// <summary>Makes one from the status the client ended in; its <see cref="ConnectionStatus.Exception"/> becomes the inner exception.</summary>
    public AgentPulseException(ConnectionStatus status)
        : base(MessageOf(status), status?.Exception)
    {
        Status = status;
    }

    /// <summary>What a developer reads: the typed reason, the close code and the exception's message.</summary>
    private static string MessageOf(ConnectionStatus? status)
    {
        if (status?.Reason is not { } reason)
        {
            return "The AgentPulse client could not connect.";
        }
        var close = status.CloseCode is { } code && reason is not (DisconnectReason.ConnectFailed or DisconnectReason.ConnectTimeout)
            ? $" (last close code {code}{(string.IsNullOrEmpty(status.CloseReason) ? "" : ": " + status.CloseReason)})"
            : "";
        var error = status.Exception is { } exception ? $": {exception.Message}" : "";
        return status.GaveUp
            ? $"The AgentPulse client gave up after {status.Attempt} attempt{(status.Attempt == 1 ? "" : "s")}; the last ended with {reason}{close}{error}."
            : $"The AgentPulse connection ended for good: {reason}{close}{error}.";
    }

    /// <summary>The status the client was left in (<see cref="ConnectionState.Disconnected"/>, with the reason); <c>null</c> when not given.</summary>
    public ConnectionStatus? Status { get; }
}
