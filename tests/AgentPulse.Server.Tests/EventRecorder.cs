using System.Text.Json;
using AgentPulse.Testing;

namespace AgentPulse.Server.Tests;

/// <summary>
/// Records every catalog event over a real WebSocket, in the order the server sent them, and
/// lets a test await a condition on them (no sleeping).
/// </summary>
internal sealed class EventRecorder : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly RawClient client;
    private readonly Lock gate = new();
    private readonly List<JsonElement> events = [];
    private readonly List<(Func<IReadOnlyList<JsonElement>, bool> Condition, TaskCompletionSource Done)> waiters = [];
    private readonly Task loop;
    private volatile bool disposing;

    private EventRecorder(RawClient client, JsonElement welcome, JsonElement? snapshot)
    {
        this.client = client;
        Welcome = welcome;
        Snapshot = snapshot ?? default;
        loop = Task.Run(ReadAsync);
    }

    /// <summary>The <c>session.welcome</c> frame the connection began with.</summary>
    public JsonElement Welcome { get; }

    /// <summary>The <c>session.snapshot</c> frame the connection began with (<c>default</c> for a recovered resume).</summary>
    public JsonElement Snapshot { get; }

    /// <summary>Connects with <paramref name="query"/> (such as <c>access_token=…&amp;after=3</c>) and reads the welcome, then the snapshot unless recovered.</summary>
    public static async Task<EventRecorder> ConnectAsync(RunningServer server, string? query = null)
    {
        var client = await RawClient.ConnectAsync(server.WebSocketUri(query));
        var welcome = await client.ReceiveFrameAsync();
        Assert.Equal("session.welcome", welcome.Type());
        JsonElement? snapshot = null;
        if (!welcome.Data().GetProperty("recovered").GetBoolean())
        {
            snapshot = await client.ReceiveFrameAsync();
            Assert.Equal("session.snapshot", snapshot.Value.Type());
        }
        return new EventRecorder(client, welcome, snapshot);
    }

    public IReadOnlyList<JsonElement> Events
    {
        get
        {
            lock (gate)
            {
                return [.. events];
            }
        }
    }

    /// <summary>The events about one task (<c>data.taskId</c>), in order.</summary>
    public IReadOnlyList<JsonElement> ForTask(string taskId) =>
        Events.Where(e => e.Data().TryGetProperty("taskId", out var id) && id.GetString() == taskId).ToList();

    /// <summary>Waits until <paramref name="condition"/> holds for the events received so far.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForAsync(Func<IReadOnlyList<JsonElement>, bool> condition, TimeSpan? timeout = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            if (condition(events))
            {
                return [.. events];
            }
            waiters.Add((condition, done));
        }
        try
        {
            await done.Task.WaitAsync(timeout ?? DefaultTimeout);
        }
        catch (TimeoutException)
        {
            var seen = string.Join("\n", Events.Select(e => $"{e.Type()} {e.Data()}"));
            throw new TimeoutException($"The expected events did not come. Seen:\n{seen}");
        }
        return Events;
    }

    /// <summary>Waits for the task's last event (<c>task.completed</c> or <c>task.failed</c>) and returns it.</summary>
    public async Task<JsonElement> WaitForEndAsync(string taskId)
    {
        await WaitForAsync(list => list.Any(e => IsEnd(e, taskId)));
        return Events.First(e => IsEnd(e, taskId));
    }

    private static bool IsEnd(JsonElement e, string taskId) =>
        e.Type() is "task.completed" or "task.failed" && e.Data().GetProperty("taskId").GetString() == taskId;

    private async Task ReadAsync()
    {
        try
        {
            while (await client.ReceiveAsync(Timeout.InfiniteTimeSpan) is { } frame)
            {
                if (frame.Type().StartsWith("session.", StringComparison.Ordinal))
                {
                    continue;
                }
                lock (gate)
                {
                    events.Add(frame);
                    for (var i = waiters.Count - 1; i >= 0; i--)
                    {
                        if (waiters[i].Condition(events))
                        {
                            waiters[i].Done.TrySetResult();
                            waiters.RemoveAt(i);
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        catch (System.Text.Json.JsonException) when (disposing)
        {
            // RawClient's close handshake reads from the socket too; what this loop got then is not a frame.
        }
    }

    public async ValueTask DisposeAsync()
    {
        disposing = true;
        await client.DisposeAsync();
        await loop;
    }
}

internal static class JsonElementExtensions
{
    public static string Type(this JsonElement frame) => frame.GetProperty("type").GetString()!;

    public static JsonElement Data(this JsonElement frame) => frame.GetProperty("data");

    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString()!;
}
