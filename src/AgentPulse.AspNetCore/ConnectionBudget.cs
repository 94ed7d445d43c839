using AgentPulse.AspNetCore.Internal;

namespace AgentPulse.AspNetCore;

/// <summary>
/// How many connections a process can hold before it runs out of file descriptors or memory, which
/// kills it (a socket is a descriptor, and so is every file, database and index file it opens). The
/// default of <see cref="AgentPulseOptions.MaxConnections"/>, and of the HTTP connections the server
/// app lets Kestrel hold besides (<c>MaxConcurrentConnections</c>).
/// </summary>
/// <param name="WebSockets">WebSocket connections at once.</param>
/// <param name="HttpConnections">Other HTTP connections at once (requests, handshakes in progress, idle keep-alives).</param>
/// <param name="OpenFileLimit">The process's open-file limit (<c>RLIMIT_NOFILE</c>); <c>null</c> when unknown or unlimited.</param>
public sealed record ConnectionBudget(int WebSockets, int HttpConnections, long? OpenFileLimit)
{
    /// <summary>Descriptors left to everything but connections: 256, plus a sixteenth of the limit (files, SQLite, Lucene, listeners, the runtime).</summary>
    public const int ReservedFiles = 256;

    /// <summary>The memory set aside per WebSocket connection: about three times what an idle one holds (20 KB, measured by the bench), for the buffers of a busy one.</summary>
    public const int BytesPerConnection = 64 * 1024;

    /// <summary>The budget of this process: its open-file limit and the memory the GC may use, read once.</summary>
    public static ConnectionBudget ForThisProcess { get; } = For(OpenFiles.Limit(), GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary>
    /// The budget for an open-file limit and an amount of memory: of the descriptors left after the
    /// reserve, three quarters for WebSockets and one quarter for other connections; WebSockets also
    /// at most half the memory at <see cref="BytesPerConnection"/> each.
    /// </summary>
    /// <param name="openFileLimit">The open-file limit; <c>null</c> when unknown or unlimited (then memory alone decides).</param>
    /// <param name="availableMemoryBytes">The memory the process may use; 0 when unknown.</param>
    public static ConnectionBudget For(long? openFileLimit, long availableMemoryBytes)
    {
        var byMemory = availableMemoryBytes > 0 ? availableMemoryBytes / 2 / BytesPerConnection : 100_000;
        if (openFileLimit is not { } limit || limit >= int.MaxValue)
        {
            var webSockets = (int)Math.Clamp(byMemory, 1, int.MaxValue);
            return new ConnectionBudget(webSockets, Math.Max(webSockets / 3, 100), null);
        }
        var usable = Math.Max(limit - ReservedFiles - (limit / 16), 32);
        var forWebSockets = usable * 3 / 4;
        return new ConnectionBudget((int)Math.Clamp(Math.Min(forWebSockets, byMemory), 1, int.MaxValue), (int)(usable - forWebSockets), limit);
    }
}
