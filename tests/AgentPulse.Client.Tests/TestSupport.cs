using System.Threading.Channels;
using AgentPulse.Protocol;

namespace AgentPulse.Client.Tests;

internal static class TestTimeouts
{
    /// <summary>How long a test waits for something that should happen at once: a bound, never a pause.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    /// <summary>Reconnects quickly and never gives up, so that tests about resume do not wait on backoff.</summary>
    public static readonly IReconnectPolicy QuickReconnect = new ExponentialBackoffReconnectPolicy
    {
        InitialDelay = TimeSpan.FromMilliseconds(20),
        MaxDelay = TimeSpan.FromMilliseconds(200),
        MaxAttempts = null,
    };
}

/// <summary>Records every status the client raises, in order, and waits for the next one that matches.</summary>
internal sealed class StatusLog
{
    private readonly Channel<ConnectionStatus> pending = Channel.CreateUnbounded<ConnectionStatus>();
    private readonly Lock gate = new();
    private readonly List<ConnectionStatus> all = [];

    public StatusLog(AgentPulseClient client) => client.StateChanged += status =>
    {
        lock (gate)
        {
            all.Add(status);
        }
        pending.Writer.TryWrite(status);
    };

    public IReadOnlyList<ConnectionStatus> All
    {
        get
        {
            lock (gate)
            {
                return [.. all];
            }
        }
    }

    /// <summary>Skips statuses until one matches <paramref name="match"/>, and returns it.</summary>
    public async Task<ConnectionStatus> WaitForAsync(Func<ConnectionStatus, bool> match)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Wait);
        while (true)
        {
            var status = await pending.Reader.ReadAsync(timeout.Token);
            if (match(status))
            {
                return status;
            }
        }
    }

    /// <summary>The very next status, whatever it is.</summary>
    public Task<ConnectionStatus> NextAsync() => WaitForAsync(_ => true);
}

internal static class StatusExtensions
{
    /// <summary>The status without its exception, which compares by reference: assert the exception apart.</summary>
    public static ConnectionStatus WithoutException(this ConnectionStatus status) => status with { Exception = null };
}

internal static class Events
{
    public static CloudEvent Progress(int index, string taskId = "t1") =>
        CloudEvent.Create(new TaskProgress(taskId, index / 10_000.0, "indexing", $"step {index}", index, null), "/tests");

    public static CloudEvent Started(string taskId) =>
        CloudEvent.Create(new TaskStarted(taskId, TaskKinds.DocumentIndex, $"Indexing {taskId}", "indexer", null), "/tests");

    public static CloudEvent Completed(string taskId) =>
        CloudEvent.Create(new TaskCompleted(taskId, 12, null), "/tests");

    public static CloudEvent Indexed(string documentId) =>
        CloudEvent.Create(new DocumentIndexed(documentId, "a.txt", "text/plain", 10, 1, "t1"), "/tests");

    public static CloudEvent Searched(string searchId) =>
        CloudEvent.Create(new SearchCompleted(searchId, "query", 0, 3, [], "t2"), "/tests");
}
