using System.Globalization;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Identity;

/// <summary>Checks <see cref="IdentityOptions"/> at start, so a bad key or authority stops the server with a clear message rather than refusing every request.</summary>
internal sealed class IdentityOptionsValidator : IValidateOptions<IdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, IdentityOptions options)
    {
        var errors = new List<string>();
        if (options.Authority is { } authority && !Uri.TryCreate(authority, UriKind.Absolute, out _))
        {
            errors.Add($"Identity:Authority must be an absolute URL, not '{authority}'.");
        }
        if (options.Authority is not null && options.SigningKey is not null)
        {
            errors.Add("Set Identity:Authority (tokens from a provider) or Identity:SigningKey (tokens this server mints), not both.");
        }
        if (options.SigningKey is { } key && !(TryBase64(key, out var bytes) && bytes.Length >= 32))
        {
            errors.Add("Identity:SigningKey must be base64 of at least 32 bytes (the 'signing-key' command makes one).");
        }
        if (options.DevelopmentTokens == true && options.Authority is not null)
        {
            errors.Add("Identity:DevelopmentTokens needs a key to sign with, and Identity:Authority leaves this server none.");
        }
        if (options.TokenLifetime <= TimeSpan.Zero)
        {
            errors.Add("Identity:TokenLifetime must be positive.");
        }
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var apiKey = options.ApiKeys[i];
            var where = string.Create(CultureInfo.InvariantCulture, $"Identity:ApiKeys:{i}");
            if (string.IsNullOrWhiteSpace(apiKey.Name))
            {
                errors.Add($"{where}:Name is required.");
            }
            if (apiKey.Hash is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigit))
            {
                errors.Add($"{where}:Hash must be the key's SHA-256, 64 hex digits (the 'apikey' command prints it).");
            }
            if (apiKey.Sources.Count == 0 || apiKey.Sources.Any(s => !s.StartsWith('/')))
            {
                errors.Add($"{where}:Sources must list at least one source prefix, each starting with '/', such as '/ci/'.");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        if (Convert.TryFromBase64String(text, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }
        return false;
    }
}
