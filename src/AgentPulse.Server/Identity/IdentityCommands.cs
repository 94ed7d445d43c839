using System.Globalization;
using System.Security.Cryptography;

namespace AgentPulse.Server.Identity;

/// <summary>
/// The server's commands for identity, run instead of the server, with its configuration:
/// <c>token --name alice [--lifetime 01:00:00]</c> mints an access token (as <c>dotnet user-jwts create</c> does);
/// <c>apikey --name ci --source /ci/</c> makes a publisher's key and prints the configuration that holds its hash;
/// <c>signing-key</c> prints a new key for <c>Identity:SigningKey</c>.
/// </summary>
internal static class IdentityCommands
{
    public static bool IsCommand(string[] args) => args is [("token" or "apikey" or "signing-key"), ..];

    /// <summary>Runs the command in <paramref name="args"/>; the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var options = Options(args.Skip(1).ToArray(), out var rest);
        try
        {
            return args[0] switch
            {
                "token" => Token(options, rest, output),
                "apikey" => ApiKey(options, output),
                _ => SigningKey(output),
            };
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or OverflowException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            error.WriteLine($"agentpulse {args[0]}: {ex.Message}");
            return 2;
        }
    }

    private static int Token(Dictionary<string, List<string>> options, string[] configurationArgs, TextWriter output)
    {
        var name = Single(options, "name") ?? throw new ArgumentException("Say who the token is for: token --name alice");
        TimeSpan? lifetime = Single(options, "lifetime") is { } text ? TimeSpan.Parse(text, CultureInfo.InvariantCulture) : null;
        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentException("--lifetime must be positive, such as 01:00:00.");
        }
        // The server's own services, from its own configuration (appsettings.json, environment, the rest of the
        // command line), so the token is signed with the key the server checks with.
        var app = AgentPulseApp.Build(configurationArgs);
        var tokens = app.Services.GetRequiredService<AccessTokens>();
        var (token, user, expiresAt) = tokens.Mint(name, lifetime);
        output.WriteLine(token);
        Console.Error.WriteLine($"A token for '{user}', valid until {expiresAt:u}. Send it as 'Authorization: Bearer <token>', or as access_token=<token> on the WebSocket URL.");
        return 0;
    }

    private static int ApiKey(Dictionary<string, List<string>> options, TextWriter output)
    {
        var name = Single(options, "name") ?? throw new ArgumentException("Name the publisher: apikey --name ci --source /ci/");
        var sources = options.GetValueOrDefault("source") ?? throw new ArgumentException("Give the source prefixes it may publish under: --source /ci/ (more than one allowed).");
        if (sources.Any(s => !s.StartsWith('/')))
        {
            throw new ArgumentException("Each --source is a prefix starting with '/', such as /ci/.");
        }
        var key = "ap_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        output.WriteLine($"key: {key}");
        output.WriteLine("Give the key to the publisher (it sends it as X-Api-Key); the server keeps only its hash. Add to the server's configuration (appsettings.json):");
        output.WriteLine($$"""
            "Identity": { "ApiKeys": [ { "Name": "{{name}}", "Hash": "{{ApiKeyAuthenticationHandler.HashOf(key)}}", "Sources": [ {{string.Join(", ", sources.Select(s => $"\"{s}\""))}} ] } ] }
            """);
        return 0;
    }

    private static int SigningKey(TextWriter output)
    {
        output.WriteLine(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return 0;
    }

    /// <summary>Reads <c>--name value</c> pairs up to the first <c>--Section:Key=value</c> setting, which goes to the configuration with the rest.</summary>
    private static Dictionary<string, List<string>> Options(string[] args, out string[] rest)
    {
        var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var i = 0;
        for (; i + 1 < args.Length && args[i] is ['-', '-', ..] flag && !flag.Contains('=', StringComparison.Ordinal) && !flag.Contains(':', StringComparison.Ordinal); i += 2)
        {
            var key = args[i][2..];
            if (!options.TryGetValue(key, out var values))
            {
                options[key] = values = [];
            }
            values.Add(args[i + 1]);
        }
        rest = args[i..];
        return options;
    }

    private static string? Single(Dictionary<string, List<string>> options, string key) =>
        options.TryGetValue(key, out var values) ? values[^1] : null;
}
