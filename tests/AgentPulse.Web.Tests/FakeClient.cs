using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace AgentPulse.Web.Tests;

/// <summary>A scripted <see cref="IAgentPulseClient"/>: tests set its status, publish events and resyncs, and count its subscriptions and calls.</summary>
public sealed class FakeClient : IAgentPulseClient
{
    private readonly List<(TypePattern Pattern, Func<CloudEvent, ValueTask> Handler)> subscriptions = [];
    private long seq;

    public ConnectionStatus Status { get; private set; } = new(ConnectionState.Connected);

    public int? MaxAttempts { get; set; } = 5;

    /// <summary>How many times <see cref="ReconnectNowAsync"/> was called.</summary>
    public int ReconnectNowCount { get; private set; }

    /// <summary>The subscriptions not yet disposed.</summary>
    public int SubscriptionCount => subscriptions.Count;

    public event Action<ConnectionStatus>? StateChanged;

    public event Action<ResyncEventArgs>? Resynced;

    /// <summary>How many handlers Resynced has.</summary>
    public int ResyncedHandlerCount => Resynced?.GetInvocationList().Length ?? 0;

    /// <summary>How many handlers StateChanged has.</summary>
    public int StateChangedHandlerCount => StateChanged?.GetInvocationList().Length ?? 0;

    /// <summary>How many times <see cref="StartAsync"/> was called.</summary>
    public int StartCount { get; private set; }

    /// <summary>The close of each stop, in order.</summary>
    public List<(WebSocketCloseStatus Status, string? Description)> Stops { get; } = [];

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        StartCount++;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => StopAsync(WebSocketCloseStatus.NormalClosure, "client closing", cancellationToken);

    public Task StopAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken = default)
    {
        Stops.Add((closeStatus, statusDescription));
        return Task.CompletedTask;
    }

    public Task ReconnectNowAsync(CancellationToken cancellationToken = default)
    {
        ReconnectNowCount++;
        return Task.CompletedTask;
    }

    public IDisposable Subscribe(string pattern, Action<CloudEvent> handler) =>
        Subscribe(pattern, e =>
        {
            handler(e);
            return default;
        });

    public IDisposable Subscribe(string pattern, Func<CloudEvent, ValueTask> handler)
    {
        var entry = (TypePattern.Parse(pattern), handler);
        subscriptions.Add(entry);
        return new Unsubscriber(() => subscriptions.Remove(entry));
    }

    public IDisposable On<T>(Action<T, CloudEvent> handler) where T : class =>
        On<T>((data, e) =>
        {
            handler(data, e);
            return default;
        });

    public IDisposable On<T>(Func<T, CloudEvent, ValueTask> handler) where T : class =>
        Subscribe(EventTypes.For<T>(), e => e.GetData<T>() is { } data ? handler(data, e) : default);

    public async IAsyncEnumerable<CloudEvent> StreamAsync(string pattern, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<CloudEvent>();
        using var subscription = Subscribe(pattern, e => channel.Writer.TryWrite(e));
        await foreach (var cloudEvent in channel.Reader.ReadAllAsync(cancellationToken))
        {
            yield return cloudEvent;
        }
    }

    public void SetStatus(ConnectionStatus status)
    {
        Status = status;
        StateChanged?.Invoke(status);
    }

    public void Resync(params TaskRecord[] tasks) =>
        Resynced?.Invoke(new ResyncEventArgs(ResyncReason.Initial, "epoch-1", seq, tasks));

    /// <summary>Delivers an event to every matching subscriber, as the client's dispatch loop does.</summary>
    public void Publish<T>(T data, DateTimeOffset? time = null) where T : class
    {
        var cloudEvent = CloudEvent.Create(data, "/tests", time: time) with { Seq = ++seq };
        foreach (var (pattern, handler) in subscriptions.ToList())
        {
            if (pattern.Matches(cloudEvent.Type))
            {
                var pending = handler(cloudEvent);
                Assert.True(pending.IsCompleted, "The page's handlers finish at once (an async handler would hold up the dispatch loop).");
            }
        }
    }

    private sealed class Unsubscriber(Action action) : IDisposable
    {
        private Action? pending = action;

        public void Dispose()
        {
            pending?.Invoke();
            pending = null;
        }
    }
}

/// <summary>Answers the REST API from a script.</summary>
public sealed class FakeApi : HttpMessageHandler
{
    public List<string> Requests { get; } = [];

    public Func<HttpRequestMessage, HttpResponseMessage> Respond { get; set; } = request => Json("""{"documents":[]}""");

    /// <summary>When set, answers in its own time (instead of <see cref="Respond"/>).</summary>
    public Func<HttpRequestMessage, Task<HttpResponseMessage>>? RespondAsync { get; set; }

    public static HttpResponseMessage Json(string body, int status = 200) =>
        new((System.Net.HttpStatusCode)status) { Content = new StringContent(body, System.Text.Encoding.UTF8, status >= 400 ? "application/problem+json" : "application/json") };

    public static string Serialize(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (Requests)
        {
            Requests.Add($"{request.Method} {request.RequestUri!.PathAndQuery}");
        }
        return RespondAsync is { } later ? later(request) : Task.FromResult(Respond(request));
    }
}

/// <summary>A bUnit context with the UI's services on fakes: the client, the clock and the REST API.</summary>
public abstract class WebTestContext : BunitContext
{
    protected WebTestContext()
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero));
        Client = new FakeClient();
        Api = new FakeApi();
        Activity = new AgentActivity(Time);
        Activity.Attach(Client);
        ToastService = new ToastService(Time);
        var api = new AgentPulseApi(new HttpClient(Api) { BaseAddress = new Uri("http://localhost:8000/") });
        Library = new DocumentLibrary(api);
        Library.Attach(Client);
        Notifications = new Notifications(ToastService, Library, Activity, Time);
        Notifications.Attach(Client);
        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton<IAgentPulseClient>(Client);
        Services.AddSingleton(Activity);
        Services.AddSingleton(Library);
        Services.AddSingleton(ToastService);
        Services.AddSingleton(Notifications);
        Services.AddSingleton(api);
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    protected FakeTimeProvider Time { get; }

    protected FakeClient Client { get; }

    protected FakeApi Api { get; }

    protected AgentActivity Activity { get; }

    protected DocumentLibrary Library { get; }

    protected ToastService ToastService { get; }

    protected Notifications Notifications { get; }
}
