namespace AgentPulse.Web;

/// <summary>How a toast looks and how long it stays.</summary>
public enum ToastLevel
{
    /// <summary>Something to know.</summary>
    Info,

    /// <summary>Something went well.</summary>
    Success,

    /// <summary>Something went wrong (stays longer).</summary>
    Error,
}

/// <summary>Options of one toast.</summary>
public sealed class ToastOptions
{
    /// <summary>
    /// How long the toast stays, not counting the time it is hovered; <see cref="Timeout.InfiniteTimeSpan"/>
    /// to stay until dismissed (default: <c>null</c>: <see cref="ToastService.DefaultDuration"/>, or
    /// <see cref="ToastService.ErrorDuration"/> for errors).
    /// </summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>A short heading above the message; <c>null</c> for none (default: <c>null</c>).</summary>
    public string? Title { get; init; }
}

/// <summary>A toast on screen.</summary>
/// <param name="Id">Its id, unique in the page.</param>
/// <param name="Level">Its style.</param>
/// <param name="Message">The text.</param>
/// <param name="Title">The heading; <c>null</c> for none.</param>
/// <param name="Paused">Whether its countdown is paused (it is hovered or focused).</param>
public sealed record Toast(long Id, ToastLevel Level, string Message, string? Title, bool Paused)
{
    /// <summary>When it was shown, or last updated.</summary>
    public DateTimeOffset At { get; init; }
}

/// <summary>
/// What toasts are on screen (the request's Notification component): one <c>&lt;Toasts /&gt;</c> host (in the app's layout)
/// renders them, the 3D view shows the same. What deserves a toast is decided by <see cref="Notifications"/>, the
/// page's one notification policy. Toasts dismiss themselves after their duration, counted on the injected
/// <see cref="TimeProvider"/> and paused while hovered or focused; the stack holds <see cref="MaxToasts"/>, and
/// the oldest give way.
/// </summary>
/// <remarks><see cref="Changed"/> may be raised on a timer's thread: a component marshals with <c>InvokeAsync</c>.</remarks>
public sealed class ToastService(TimeProvider timeProvider) : IDisposable
{
    /// <summary>How long an info or success toast stays: 5 seconds.</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromSeconds(5);

    /// <summary>How long an error toast stays: 10 seconds.</summary>
    public static readonly TimeSpan ErrorDuration = TimeSpan.FromSeconds(10);

    private readonly Lock gate = new();
    private readonly List<Entry> entries = [];
    private long nextId;

    /// <summary>How many toasts the stack holds; the oldest give way (default: 3).</summary>
    public int MaxToasts { get; init; } = 3;

    /// <summary>The toasts, oldest first.</summary>
    public IReadOnlyList<Toast> Toasts
    {
        get
        {
            lock (gate)
            {
                return [.. entries.Select(e => e.Toast)];
            }
        }
    }

    /// <summary>Raised when a toast comes, goes, pauses or resumes.</summary>
    public event Action? Changed;

    /// <summary>Shows a toast.</summary>
    /// <returns>Its id, for <see cref="Dismiss"/>.</returns>
    public long Show(ToastLevel level, string message, ToastOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var duration = options?.Duration ?? (level == ToastLevel.Error ? ErrorDuration : DefaultDuration);
        List<Entry> evicted = [];
        long id;
        lock (gate)
        {
            id = ++nextId;
            var entry = new Entry(new Toast(id, level, message, options?.Title, Paused: false) { At = timeProvider.GetUtcNow() }, duration);
            entries.Add(entry);
            while (entries.Count > Math.Max(1, MaxToasts))
            {
                evicted.Add(entries[0]);
                entries.RemoveAt(0);
            }
            Arm(entry);
        }
        foreach (var old in evicted)
        {
            old.Timer?.Dispose();
        }
        Changed?.Invoke();
        return id;
    }

    /// <summary>
    /// Changes a toast on screen (a burst grows: "3 documents indexed") and starts its countdown again.
    /// </summary>
    /// <returns><c>false</c> when it is gone already (show a new one).</returns>
    public bool Update(long id, ToastLevel level, string message, ToastOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (gate)
        {
            if (entries.Find(e => e.Toast.Id == id) is not { } entry)
            {
                return false;
            }
            entry.Timer?.Dispose();
            entry.Timer = null;
            entry.Remaining = options?.Duration ?? (level == ToastLevel.Error ? ErrorDuration : DefaultDuration);
            entry.Toast = entry.Toast with { Level = level, Message = message, Title = options?.Title, At = timeProvider.GetUtcNow() };
            if (!entry.Toast.Paused)
            {
                Arm(entry);
            }
        }
        Changed?.Invoke();
        return true;
    }

    /// <summary>Removes every toast (Escape).</summary>
    public void DismissAll()
    {
        List<Entry> removed;
        lock (gate)
        {
            removed = [.. entries];
            entries.Clear();
        }
        foreach (var entry in removed)
        {
            entry.Timer?.Dispose();
        }
        if (removed.Count > 0)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>Removes a toast now; does nothing when it is gone already.</summary>
    public void Dismiss(long id)
    {
        Entry? removed;
        lock (gate)
        {
            removed = entries.Find(e => e.Toast.Id == id);
            if (removed is null)
            {
                return;
            }
            entries.Remove(removed);
        }
        removed.Timer?.Dispose();
        Changed?.Invoke();
    }

    /// <summary>Stops a toast's countdown (the pointer or focus is on it).</summary>
    public void Pause(long id)
    {
        lock (gate)
        {
            if (entries.Find(e => e.Toast.Id == id) is not { Toast.Paused: false } entry)
            {
                return;
            }
            entry.Timer?.Dispose();
            entry.Timer = null;
            if (entry.Remaining != Timeout.InfiniteTimeSpan)
            {
                var left = entry.DueAt - timeProvider.GetUtcNow();
                entry.Remaining = left > TimeSpan.Zero ? left : TimeSpan.Zero;
            }
            entry.Toast = entry.Toast with { Paused = true };
        }
        Changed?.Invoke();
    }

    /// <summary>Starts a paused toast's countdown again, with the time it had left.</summary>
    public void Resume(long id)
    {
        lock (gate)
        {
            if (entries.Find(e => e.Toast.Id == id) is not { Toast.Paused: true } entry)
            {
                return;
            }
            entry.Toast = entry.Toast with { Paused = false };
            Arm(entry);
        }
        Changed?.Invoke();
    }

    /// <summary>Stops every countdown.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            foreach (var entry in entries)
            {
                entry.Timer?.Dispose();
            }
            entries.Clear();
        }
    }

    /// <summary>Under the lock: starts the countdown of what the toast has left.</summary>
    private void Arm(Entry entry)
    {
        if (entry.Remaining == Timeout.InfiniteTimeSpan)
        {
            return;
        }
        entry.DueAt = timeProvider.GetUtcNow() + entry.Remaining;
        var id = entry.Toast.Id;
        entry.Timer = timeProvider.CreateTimer(_ => Dismiss(id), null, entry.Remaining, Timeout.InfiniteTimeSpan);
    }

    private sealed class Entry(Toast toast, TimeSpan remaining)
    {
        public Toast Toast { get; set; } = toast;

        public TimeSpan Remaining { get; set; } = remaining;

        public DateTimeOffset DueAt { get; set; }

        public ITimer? Timer { get; set; }
    }
}
