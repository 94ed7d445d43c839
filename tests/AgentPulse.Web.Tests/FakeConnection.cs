using System.Text.Json;

namespace AgentPulse.Web.Tests;

/// <summary>A scripted connection: tests set its status, publish events and resyncs, and count its subscriptions.</summary>
public sealed class FakeConnection : IAgentPulseConnection
{
    private readonly List<(TypePattern Pattern, Action<CloudEvent> Handler)> subscriptions = [];
    private long seq;

    public ConnectionStatus Status { get; private set; } = new(ConnectionState.Connected);

    public int? MaxAttempts { get; set; } = 5;

    public int RetryCount { get; private set; }

    /// <summary>The subscriptions not yet disposed.</summary>
    public int SubscriptionCount => subscriptions.Count;

    public event Action<ConnectionStatus>? StatusChanged;

    public event Action<ResyncEventArgs>? Resynced;

    /// <summary>How many handlers Resynced has.</summary>
    public int ResyncedHandlerCount => Resynced?.GetInvocationList().Length ?? 0;

    /// <summary>How many handlers StatusChanged has.</summary>
    public int StatusChangedHandlerCount => StatusChanged?.GetInvocationList().Length ?? 0;

    public IDisposable Subscribe(string pattern, Action<CloudEvent> handler)
    {
        var entry = (TypePattern.Parse(pattern), handler);
        subscriptions.Add(entry);
        return new Unsubscriber(() => subscriptions.Remove(entry));
    }

    public IDisposable On<T>(Action<T, CloudEvent> handler) where T : class =>
        Subscribe(EventTypes.For<T>(), e =>
        {
            if (e.GetData<T>() is { } data)
            {
                handler(data, e);
            }
        });

    public Task RetryAsync()
    {
        RetryCount++;
        return Task.CompletedTask;
    }

    public void SetStatus(ConnectionStatus status)
    {
        Status = status;
        StatusChanged?.Invoke(status);
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
                handler(cloudEvent);
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

    public static HttpResponseMessage Json(string body, int status = 200) =>
        new((System.Net.HttpStatusCode)status) { Content = new StringContent(body, System.Text.Encoding.UTF8, status >= 400 ? "application/problem+json" : "application/json") };

    public static string Serialize(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add($"{request.Method} {request.RequestUri!.PathAndQuery}");
        return Task.FromResult(Respond(request));
    }
}

/// <summary>A bUnit context with the UI's services on fakes: the connection, the clock and the REST API.</summary>
public abstract class WebTestContext : BunitContext
{
    protected WebTestContext()
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero));
        Connection = new FakeConnection();
        Api = new FakeApi();
        Activity = new AgentActivity(Time);
        Activity.Attach(Connection);
        ToastService = new ToastService(Time);
        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton<IAgentPulseConnection>(Connection);
        Services.AddSingleton(Activity);
        Services.AddSingleton(ToastService);
        Services.AddSingleton(new AgentPulseApi(new HttpClient(Api) { BaseAddress = new Uri("http://localhost:8000/") }));
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    protected FakeTimeProvider Time { get; }

    protected FakeConnection Connection { get; }

    protected FakeApi Api { get; }

    protected AgentActivity Activity { get; }

    protected ToastService ToastService { get; }
}
