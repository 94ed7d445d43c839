namespace AgentPulse.Protocol;

/// <summary>The <see cref="TaskError.Code"/> values the server's own agents give that a client may act on.</summary>
/// <remarks>Other codes (such as <c>unreadable</c>) are failures to show with their message.</remarks>
public static class TaskErrorCodes
{
    /// <summary>Someone cancelled the task (<c>DELETE /api/tasks/{id}</c>): an outcome a person chose, not a failure.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The server stopped while the task ran; the next start failed it. Running it again may succeed.</summary>
    public const string Interrupted = "interrupted";
}
