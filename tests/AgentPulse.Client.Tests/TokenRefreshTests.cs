using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Server.Identity;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.Client.Tests;

/// <summary>
/// The client's token provider against the real server with authentication on: used on connect, asked again before
/// the token expires, its token sent in band so the connection stays; a refresh that gives nothing ends in 4001, final.
/// Server and client share one <see cref="FakeTimeProvider"/>.
/// </summary>
public sealed class TokenRefreshTests : IAsyncLifetime
{
    private readonly FakeTimeProvider time = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    private readonly LogCapture logs = new();
    private RunningServer server = null!;

    public async Task InitializeAsync() =>
        server = await RunningServer.StartAsync(
            new Dictionary<string, string?> { ["AgentPulse:RequireAuthentication"] = "true" },
            builder => builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time)));

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Theory]
    [InlineData(3600, 3540)] // an hour: a minute before
    [InlineData(300, 240)]
    [InlineData(60, 48)] // a minute: at four fifths
    [InlineData(5, 4)]
    [InlineData(0, 0)]
    public void RefreshWait_IsAMinuteBefore_OrFourFifthsOfAShortLife(int leftSeconds, int waitSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(waitSeconds), AgentPulseClient.RefreshWait(TimeSpan.FromSeconds(leftSeconds)));

    private AgentPulseClient NewClient(Func<int, string?> token) => new(new AgentPulseClientOptions
    {
        Url = server.WebSocketUri(),
        TimeProvider = time,
        // The fake clock jumps; heartbeats are not what this is about.
        HeartbeatTimeout = TimeSpan.FromDays(1),
        ReconnectPolicy = new ExponentialBackoffReconnectPolicy { InitialDelay = TimeSpan.Zero, MaxAttempts = 3 },
        LoggerFactory = logs,
        AccessTokenProvider = _ => ValueTask.FromResult(token(Interlocked.Increment(ref calls))),
    });

    private int calls;

    private string Mint(string name, int seconds) => server.Get<AccessTokens>().Mint(name, TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task TokenProvider_IsUsedOnConnect_AndRefreshesInBandBeforeExpiry_SoTheConnectionStays()
    {
        await using var client = NewClient(_ => Mint("alice", 60));
        var received = new TaskCompletionSource<CloudEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = client.Subscribe("note.*", e => received.TrySetResult(e));
        var refreshed = logs.WaitFor(20);
        await client.StartAsync();
        var connectionId = client.Status.ConnectionId;
        Assert.Equal(1, calls);

        time.Advance(TimeSpan.FromSeconds(47));
        Assert.Equal(1, calls);
        time.Advance(TimeSpan.FromSeconds(1)); // 48 s: four fifths of the first token's minute
        await refreshed.WaitAsync(TestTimeouts.Wait); // the server took the new token (session.authenticated)
        Assert.Equal(2, calls);

        time.Advance(TimeSpan.FromSeconds(13)); // 61 s: past the first token's expiry
        await server.Get<IEventPublisher>().PublishAsync(new CloudEvent { Type = "note.alice", Source = "/tests" }, EventAudience.User("alice"));
        Assert.Equal("note.alice", (await received.Task.WaitAsync(TestTimeouts.Wait)).Type);
        Assert.Equal((ConnectionState.Connected, connectionId), (client.State, client.Status.ConnectionId));
    }

    [Fact]
    public async Task RefreshThatGivesNoToken_EndsWith4001_AndTheClientDoesNotReconnect()
    {
        await using var client = NewClient(call => call == 1 ? Mint("alice", 60) : null);
        var log = new StatusLog(client);
        var failed = logs.WaitFor(21);
        await client.StartAsync();

        time.Advance(TimeSpan.FromSeconds(48));
        await failed.WaitAsync(TestTimeouts.Wait);
        time.Advance(TimeSpan.FromSeconds(12));

        var ended = await log.WaitForAsync(s => s.State == ConnectionState.Disconnected);
        Assert.Equal(new ConnectionStatus(ConnectionState.Disconnected, 0, null, DisconnectReason.Unauthorized, 4001, "token expired"), ended.WithoutException());
        Assert.Equal(2, calls); // the refresh, and no reconnect after it
    }
}

/// <summary>Captures the client's log, so a test can wait for an event id.</summary>
internal sealed class LogCapture : ILoggerFactory, ILoggerProvider, ILogger
{
    private readonly Lock gate = new();
    private readonly List<(int EventId, TaskCompletionSource Seen)> waiters = [];

    public Task WaitFor(int eventId)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            waiters.Add((eventId, seen));
        }
        return seen.Task;
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (gate)
        {
            foreach (var (id, seen) in waiters.Where(w => w.EventId == eventId.Id))
            {
                seen.TrySetResult();
            }
        }
    }

    public bool IsEnabled(LogLevel logLevel) => true;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
