using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace AgentPulse.Testing;

/// <summary>Records the server's log (Debug and up), so a test can wait for a line, such as a connection's close code.</summary>
public sealed class ServerLog : ILoggerProvider
{
    private readonly ConcurrentQueue<(EventId Id, string Message)> entries = new();
    private readonly List<(Func<EventId, string, bool> Match, TaskCompletionSource<string> Found)> waiters = [];
    private readonly Lock gate = new();

    /// <summary>Adds the recorder to a server being built.</summary>
    public void AddTo(WebApplicationBuilder builder)
    {
        builder.Logging.AddProvider(this);
        builder.Logging.AddFilter<ServerLog>(null, LogLevel.Debug);
    }

    /// <summary>The first message with <paramref name="eventId"/> that contains <paramref name="text"/>, waiting for it if need be.</summary>
    public Task<string> WaitForAsync(int eventId, string text, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool Match(EventId id, string message) => id.Id == eventId && message.Contains(text, StringComparison.Ordinal);
        lock (gate)
        {
            foreach (var (id, message) in entries)
            {
                if (Match(id, message))
                {
                    return Task.FromResult(message);
                }
            }
            waiters.Add((Match, found));
        }
        return found.Task.WaitAsync(timeout);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private void Add(EventId id, string message)
    {
        lock (gate)
        {
            entries.Enqueue((id, message));
            foreach (var waiter in waiters.Where(w => w.Match(id, message)).ToList())
            {
                waiters.Remove(waiter);
                waiter.Found.TrySetResult(message);
            }
        }
    }

    private sealed class Logger(ServerLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Add(eventId, formatter(state, exception));
    }
}
