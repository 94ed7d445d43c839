using System.Globalization;
using AgentPulse.Web.Internal;

namespace AgentPulse.Web;

/// <summary>
/// The page's one notification policy (docs/web.md, "Notifications"): what becomes a toast, a browser
/// notification, or nothing because the page already shows it where the person is looking. Every view takes
/// its toasts from here, through <see cref="ToastService"/>: the dashboard's <c>&lt;Toasts/&gt;</c> and the 3D view alike.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>How a document's indexing ends (indexed, failed, cancelled) and a refused upload are shown in the
/// documents list. While that list is in view (<see cref="DocumentsInView"/>) nothing more is said; otherwise a
/// toast says it, and outcomes of one kind that come within <see cref="GroupWindow"/> share one toast
/// ("3 documents indexed").</item>
/// <item>While the tab is hidden (<see cref="PageHidden"/>), the same outcomes go to the browser's notifications
/// (when the person allowed them), grouped the same way.</item>
/// <item>A cancel is neutral information, never an error. A failure's message names the file once.</item>
/// <item>Searches, the connection and task progress are never toasted: the search box, the status in the header
/// and the activity panel show them where they happen.</item>
/// <item>A request the person made that the server refused (delete, cancel, re-index) is always an error toast:
/// nothing inline can say why.</item>
/// </list>
/// Runs on the renderer's context in the browser; <see cref="Changed"/>-style callbacks from the client are
/// marshalled by the caller.
/// </remarks>
public sealed class Notifications : IDisposable
{
    private readonly ToastService toasts;
    private readonly DocumentLibrary library;
    private readonly AgentActivity activity;
    private readonly TimeProvider time;
    private readonly Dictionary<OutcomeKind, Group> groups = [];
    private readonly Dictionary<OutcomeKind, Group> systemGroups = [];
    private ClientListener? listener;

    /// <summary>Makes the policy over the page's toasts, documents and tasks.</summary>
    public Notifications(ToastService toasts, DocumentLibrary library, AgentActivity activity, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(toasts);
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(timeProvider);
        this.toasts = toasts;
        this.library = library;
        this.activity = activity;
        time = timeProvider;
        library.UploadRefused += OnUploadRefused;
    }

    /// <summary>Outcomes of one kind within this time of the last share one toast (default: 4 seconds).</summary>
    public TimeSpan GroupWindow { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Whether the documents list is on screen (set by the view that shows it; default: <c>false</c>).</summary>
    public bool DocumentsInView { get; set; }

    /// <summary>
    /// Whether an immersive view is on (a VR headset, set by the 3D view; default: <c>false</c>): nothing of the page is
    /// then in view, so every outcome is shown (the 3D view shows the toasts on its own panel).
    /// </summary>
    public bool Immersive { get; set; }

    /// <summary>Whether the tab is hidden (set by the app's <c>PageLifecycle</c>; default: <c>false</c>).</summary>
    public bool PageHidden { get; set; }

    /// <summary>
    /// Shows a browser notification (title, body, tag); a later one with the same tag replaces it. <c>null</c>
    /// until the page can (see the app's <c>PageLifecycle</c>). It shows nothing unless the person allowed notifications.
    /// </summary>
    public Func<string, string, string, Task>? SystemNotifier { get; set; }

    /// <summary>Tells the policy about documents from <paramref name="source"/>'s events.</summary>
    public void Attach(IAgentPulseClient source) =>
        listener = ClientListener.Attach(listener, nameof(Notifications), source, _ => { }, client =>
        [
            client.On<DocumentIndexed>((indexed, envelope) => Outcome(OutcomeKind.Indexed, library.DisplayName(indexed.DocumentId, indexed.Name), null)),
            client.On<TaskFailed>((failed, envelope) => _ = OnTaskFailedAsync(failed)),
        ]);

    /// <summary>A request of the person's that the server refused: an error toast, always.</summary>
    /// <param name="title">What failed: "Could not delete report.pdf".</param>
    /// <param name="reason">The server's reason, fit to show a person.</param>
    public void RequestFailed(string title, string reason) =>
        toasts.Show(ToastLevel.Error, reason, new ToastOptions { Title = title });

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        library.UploadRefused -= OnUploadRefused;
        listener?.Dispose();
        listener = null;
    }

    private void OnUploadRefused(UploadItem upload) => Outcome(OutcomeKind.Refused, upload.Name, upload.Error);

    private async Task OnTaskFailedAsync(TaskFailed failed)
    {
        var task = activity.Find(failed.TaskId);
        var document = library.FindByTask(failed.TaskId);
        if (document is null && task?.Kind == TaskKinds.DocumentIndex)
        {
            // The task's events may come before the upload's answer: the library may not list its document yet.
            await library.ReloadAsync();
            document = library.FindByTask(failed.TaskId);
        }
        var upload = library.Uploads.FirstOrDefault(u => u.TaskId == failed.TaskId);
        if (document is null && upload is null && task?.Kind != TaskKinds.DocumentIndex)
        {
            return; // not a document's indexing: the activity panel shows it
        }
        // A document task of a producer outside the server may name no document the page knows: its reason alone.
        var name = document is not null ? library.DisplayName(document) : upload?.Name;
        Outcome(failed.Error.Code == TaskErrorCodes.Cancelled ? OutcomeKind.Cancelled : OutcomeKind.Failed, name, failed.Error.Message);
    }

    private void Outcome(OutcomeKind kind, string? name, string? reason)
    {
        var item = new Item(name, reason);
        var inView = DocumentsInView && !Immersive;
        if (PageHidden)
        {
            if (SystemNotifier is { } notify)
            {
                var group = Add(systemGroups, kind, item);
                var (title, body) = Text(kind, group.Items);
                _ = notify(title, body, "agentpulse-" + kind.ToString().ToLowerInvariant());
            }
            if (inView)
            {
                return; // the list says it when the person comes back
            }
        }
        else if (inView)
        {
            return;
        }
        var toast = Add(groups, kind, item);
        var (toastTitle, message) = Text(kind, toast.Items);
        var level = kind switch
        {
            OutcomeKind.Indexed => ToastLevel.Success,
            OutcomeKind.Cancelled => ToastLevel.Info,
            _ => ToastLevel.Error,
        };
        var options = new ToastOptions { Title = toastTitle };
        if (toast.ToastId is not { } id || !toasts.Update(id, level, message, options))
        {
            toast.ToastId = toasts.Show(level, message, options);
        }
    }

    /// <summary>Adds to the group of its kind, or starts a new one when the last is older than the window.</summary>
    private Group Add(Dictionary<OutcomeKind, Group> into, OutcomeKind kind, Item item)
    {
        var now = time.GetUtcNow();
        if (!into.TryGetValue(kind, out var group) || now - group.LastAt > GroupWindow)
        {
            into[kind] = group = new Group();
        }
        group.Items.Add(item);
        group.LastAt = now;
        return group;
    }

    /// <summary>The title and message of a group: one outcome names its file once; several are counted and listed.</summary>
    private static (string Title, string Message) Text(OutcomeKind kind, List<Item> items)
    {
        if (items is [var one])
        {
            return kind switch
            {
                OutcomeKind.Indexed => ("Indexed", $"{one.Name ?? "A document"} is searchable."),
                OutcomeKind.Cancelled => ("Indexing cancelled", $"{one.Name ?? "A document"} was not indexed."),
                OutcomeKind.Refused => ("Not uploaded", Reason(one)),
                _ => ("Not indexed", Reason(one)),
            };
        }
        var count = items.Count.ToString(CultureInfo.InvariantCulture);
        return kind switch
        {
            OutcomeKind.Indexed => ($"{count} documents indexed", $"{List(items)} are searchable."),
            OutcomeKind.Cancelled => ($"{count} indexings cancelled", $"{List(items)} were not indexed."),
            OutcomeKind.Refused => ($"{count} files not uploaded", string.Join(" ", items.Select(Reason))),
            _ => ($"{count} documents not indexed", string.Join(" ", items.Select(Reason))),
        };
    }

    /// <summary>The reason, with the name in front unless the server's message already names the file.</summary>
    private static string Reason(Item item) => (item.Name, item.Reason) switch
    {
        (null, { Length: > 0 } reason) => reason,
        (null, _) => "No reason given.",
        (var name, { Length: > 0 } reason) when reason.Contains(name, StringComparison.Ordinal) => reason,
        (var name, { Length: > 0 } reason) => $"{name}: {reason}",
        (var name, _) => $"{name}: no reason given.",
    };

    private static string List(List<Item> items)
    {
        var names = items.Select(i => i.Name ?? "a document").ToList();
        return names.Count <= 3
            ? string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1]
            : string.Join(", ", names.Take(2)) + string.Create(CultureInfo.InvariantCulture, $" and {names.Count - 2} more");
    }

    private enum OutcomeKind
    {
        Indexed,
        Failed,
        Cancelled,
        Refused,
    }

    private sealed record Item(string? Name, string? Reason);

    private sealed class Group
    {
        public List<Item> Items { get; } = [];

        public DateTimeOffset LastAt { get; set; }

        public long? ToastId { get; set; }
    }
}
