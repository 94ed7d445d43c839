namespace AgentPulse.Web.Scene;

/// <summary>
/// Feeds the 3D view from the page's own state, so nothing is fetched or folded twice: the tasks of
/// <see cref="AgentActivity"/>, the connection's status (the app's one <see cref="IAgentPulseClient"/>), and the toasts of <see cref="ToastService"/> (so the
/// scene notifies exactly when, and what, the page does). Every change asks for a snapshot; snapshots go
/// out at most once per <see cref="RenderCoalescer.DefaultInterval"/> (10 a second), the first at once.
/// </summary>
/// <remarks>
/// <c>send</c> may run on a timer's thread: a component marshals with <c>InvokeAsync</c>. Nothing is sent
/// after <see cref="Dispose"/>, which also removes every handler this feed added.
/// </remarks>
public sealed class SceneFeed : IDisposable
{
    private readonly AgentActivity activity;
    private readonly IAgentPulseClient client;
    private readonly ToastService toasts;
    private readonly Action<SceneSnapshot> send;
    private readonly RenderCoalescer coalescer;
    private readonly Lock gate = new();
    private readonly List<string> stations = [];
    private bool started;
    private bool disposed;

    /// <summary>Makes a feed; nothing is sent before <see cref="Start"/>.</summary>
    public SceneFeed(AgentActivity activity, IAgentPulseClient client, ToastService toasts, TimeProvider timeProvider, Action<SceneSnapshot> send)
    {
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(toasts);
        ArgumentNullException.ThrowIfNull(send);
        this.activity = activity;
        this.client = client;
        this.toasts = toasts;
        this.send = send;
        coalescer = new RenderCoalescer(timeProvider, RenderCoalescer.DefaultInterval, Send);
    }

    /// <summary>Starts listening and sends the first snapshot now.</summary>
    public void Start()
    {
        lock (gate)
        {
            if (started || disposed)
            {
                return;
            }
            started = true;
        }
        activity.Changed += coalescer.Request;
        client.StateChanged += OnStatusChanged;
        toasts.Changed += coalescer.Request;
        coalescer.Request();
    }

    /// <summary>The snapshot of now.</summary>
    public SceneSnapshot Snapshot()
    {
        var running = activity.Running;
        var queued = activity.Queued;
        var finished = activity.Finished;
        List<SceneTask> tasks = [.. running.Concat(queued).Concat(finished).Select(ToScene)];
        string[] stationList;
        lock (gate)
        {
            foreach (var task in tasks)
            {
                if (!stations.Contains(task.Agent, StringComparer.Ordinal))
                {
                    stations.Add(task.Agent);
                }
            }
            stationList = [.. stations];
        }
        var status = client.Status;
        return new SceneSnapshot(
            new SceneStatus(status.State, ConnectionStatusText.Describe(status, client.MaxAttempts, untilNextAttempt: null)),
            stationList,
            tasks,
            [.. toasts.Toasts.Select(t => new SceneNotification(t.Id, t.Level, t.Title, t.Message))]);
    }

    /// <summary>Stops listening; a snapshot pending is dropped.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }
            disposed = true;
        }
        activity.Changed -= coalescer.Request;
        client.StateChanged -= OnStatusChanged;
        toasts.Changed -= coalescer.Request;
        coalescer.Dispose();
    }

    /// <summary>"Completed in 1.3 s" or "Failed: the reason", as the activity panel says it.</summary>
    internal static string? Outcome(TaskRecord task) => task.Status switch
    {
        AgentTaskStatus.Completed => "Completed in " + Format.Duration((task.FinishedAt ?? task.StartedAt) - task.StartedAt),
        AgentTaskStatus.Failed => "Failed: " + (task.Error?.Message ?? "no reason given"),
        _ => null,
    };

    private static SceneTask ToScene(TaskRecord task) => new(
        task.TaskId,
        task.Title,
        string.IsNullOrWhiteSpace(task.Agent) ? "agent" : task.Agent,
        task.Kind,
        task.Status,
        Math.Clamp(double.IsNaN(task.Progress) ? 0 : task.Progress, 0, 1),
        task.Stage,
        task.Message,
        Outcome(task));

    private void OnStatusChanged(ConnectionStatus status) => coalescer.Request();

    private void Send()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }
        }
        send(Snapshot());
    }
}
