using AgentPulse.Protocol;

namespace AgentPulse.Server.Tasks;

/// <summary>Ends a task as failed with a message fit to show a person.</summary>
public sealed class TaskFailureException : Exception
{
    public TaskFailureException()
        : this("failed", "The task failed.")
    {
    }

    public TaskFailureException(string message)
        : this("failed", message)
    {
    }

    public TaskFailureException(string message, Exception innerException)
        : base(message, innerException) => Error = new TaskError("failed", message);

    public TaskFailureException(string code, string message, bool retryable = false, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = new TaskError(code, message);
        Retryable = retryable;
    }

    /// <summary>The code and the message for <c>task.failed</c>.</summary>
    public TaskError Error { get; }

    /// <summary>Whether running it again may succeed.</summary>
    public bool Retryable { get; }
}
