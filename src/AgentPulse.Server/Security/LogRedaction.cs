using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Security;

/// <summary>
/// Keeps secrets out of every log line, at every level: a browser passes its token in the WebSocket's
/// URL (<c>?access_token=…</c>), and ASP.NET Core logs URLs (request lines at Information, bad requests
/// at Debug). Every logger of the app goes through here: a line (or its exception) that carries a
/// secret query parameter is written with the value replaced by <c>[redacted]</c>; other lines pass
/// as they are. The check formats only lines that hold a '='.
/// </summary>
internal static partial class LogRedaction
{
    /// <summary>Query parameters whose values are secrets (compared once URL-decoded, case-insensitively).</summary>
    public static readonly IReadOnlySet<string> SecretParameters = new HashSet<string>(["access_token"], StringComparer.OrdinalIgnoreCase);

    public const string Redacted = "[redacted]";

    /// <summary>Wraps the app's <see cref="ILoggerFactory"/>, so that every logger (the framework's too) redacts.</summary>
    public static void Apply(IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new Factory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(),
            sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(),
            sp.GetService<IExternalScopeProvider>()))));

    /// <summary><paramref name="text"/> with the value of every secret query parameter replaced; the same string when it has none.</summary>
    public static string Redact(string text)
    {
        if (!text.Contains('=', StringComparison.Ordinal))
        {
            return text;
        }
        return QueryParameter().Replace(text, match =>
        {
            var name = match.Groups["name"].Value;
            string decoded;
            try
            {
                decoded = Uri.UnescapeDataString(name.Replace('+', ' '));
            }
            catch (UriFormatException)
            {
                decoded = name;
            }
            return SecretParameters.Contains(decoded) ? $"{match.Groups["lead"].Value}{name}={Redacted}" : match.Value;
        });
    }

    // A query parameter wherever a URL is written: after '?' or '&', a name, '=', a value up to the next separator.
    [GeneratedRegex("""(?<lead>[?&])(?<name>[^=&?\s'"]{1,100})=(?<value>[^&\s'"#]*)""", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex QueryParameter();

    private sealed class Factory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new Logger(inner.CreateLogger(categoryName));

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose() => inner.Dispose();
    }

    private sealed class Logger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }
            var message = formatter(state, exception);
            var redacted = Redact(message);
            var exceptionText = exception?.ToString();
            var redactedException = exceptionText is null ? null : Redact(exceptionText);
            if (ReferenceEquals(redacted, message) && ReferenceEquals(redactedException, exceptionText))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }
            inner.Log(logLevel, eventId, new RedactedState(state as IReadOnlyList<KeyValuePair<string, object?>>, redacted),
                redactedException is null || ReferenceEquals(redactedException, exceptionText) ? exception : new RedactedException(exception!, redactedException),
                static (s, _) => s.Message);
        }
    }

    /// <summary>A log state whose message and values are redacted; structured loggers see the same names.</summary>
    private sealed class RedactedState(IReadOnlyList<KeyValuePair<string, object?>>? values, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?>[] items = values is null
            ? [new("{OriginalFormat}", message)]
            : [.. values.Select(v => v.Value is null or ValueType ? v : new KeyValuePair<string, object?>(v.Key, Redact(v.Value.ToString() ?? "")))];

        public string Message { get; } = message;

        public int Count => items.Length;

        public KeyValuePair<string, object?> this[int index] => items[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)items).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }

    /// <summary>An exception whose text held a secret: logged as that text, redacted.</summary>
    private sealed class RedactedException(Exception original, string text) : Exception(Redact(original.Message), null)
    {
        public override string ToString() => text;
    }
}
