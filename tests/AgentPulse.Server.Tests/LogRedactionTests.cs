using System.Collections.Concurrent;
using AgentPulse.Server.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentPulse.Server.Tests;

public sealed class LogRedactionTests
{
    [Theory]
    [InlineData("GET http://h/ws/agents?access_token=abc.def-ghi", "GET http://h/ws/agents?access_token=[redacted]")]
    [InlineData("/api/x?a=1&access_token=abc&b=2", "/api/x?a=1&access_token=[redacted]&b=2")]
    [InlineData("/x?ACCESS_TOKEN=abc", "/x?ACCESS_TOKEN=[redacted]")]
    [InlineData("/x?access%5Ftoken=abc", "/x?access%5Ftoken=[redacted]")]
    [InlineData("Invalid request line: 'GET /ws?access_token=abc HTTP/1.1'", "Invalid request line: 'GET /ws?access_token=[redacted] HTTP/1.1'")]
    [InlineData("/x?token_type=bearer&other=1", "/x?token_type=bearer&other=1")]
    [InlineData("no query here", "no query here")]
    public void Redact_ReplacesTheValueOfSecretQueryParameters(string text, string expected) =>
        Assert.Equal(expected, LogRedaction.Redact(text));

    [Fact]
    public void EveryLogger_WritesTheLineAndItsExceptionRedacted_AndOtherLinesAsTheyAre()
    {
        var lines = new ConcurrentQueue<string>();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new Capture(lines)));
        LogRedaction.Apply(services);
        using var provider = services.BuildServiceProvider();
        var logger = provider.GetRequiredService<ILogger<LogRedactionTests>>();

        logger.LogInformation("Request starting {Path}{Query}", "/ws/agents", "?access_token=secret-1");
        logger.LogDebug(new InvalidOperationException("Bad request target '/ws/agents?x=1&access_token=secret-2'"), "Connection failed");
        logger.LogInformation("Plain {Value}", "a=b");

        Assert.Equal(
            ["Request starting /ws/agents?access_token=[redacted]", "Connection failed | System.InvalidOperationException: Bad request target '/ws/agents?x=1&access_token=[redacted]'", "Plain a=b"],
            lines);
    }

    private sealed class Capture(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IReadOnlyList<KeyValuePair<string, object?>> list ? string.Concat(list.Where(p => p.Key != "{OriginalFormat}").Select(p => p.Value)) : "";
                Assert.DoesNotContain("secret", values, StringComparison.Ordinal);
                lines.Enqueue(formatter(state, exception) + (exception is null ? "" : " | " + exception.ToString().Split('\n')[0].TrimEnd()));
            }
        }
    }
}
