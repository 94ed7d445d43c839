using System.Collections;
using System.Reflection;
using AgentPulse.AspNetCore;
using AgentPulse.Redis;
using AgentPulse.Sqlite;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Configuration;

/// <summary>
/// Reads every key under <c>AgentPulse:</c> against the settings that exist, so that an ignored setting never
/// looks as if it worked: an unknown key is a warning that names it; a key that can only be a mistake (a
/// misspelling of a known one, a value on a section, settings of a log that is not the one in use) stops the
/// start. The known keys are the public settable properties of the options bound there, so a new option is
/// known as soon as it exists.
/// </summary>
internal sealed class ConfigurationCheck(IConfiguration configuration) : IValidateOptions<AgentPulseOptions>
{
    public const string Section = "AgentPulse";

    /// <summary>The sections bound under <c>AgentPulse:</c>, and by what.</summary>
    private static readonly (string Path, Type Options)[] Bound =
    [
        ("", typeof(AgentPulseOptions)),
        ("Sqlite", typeof(SqliteEventLogOptions)),
        ("Redis", typeof(RedisEventLogOptions)),
    ];

    /// <summary>Keys that no options class holds: read by the app itself.</summary>
    private static readonly string[] AppKeys = ["Log"];

    /// <summary>Keys of the options classes that the app sets itself, never from configuration.</summary>
    private static readonly string[] SetByTheApp = ["Sqlite:Path"];

    public ValidateOptionsResult Validate(string? name, AgentPulseOptions options)
    {
        var errors = Run().Errors;
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>What is wrong: errors stop the start, warnings are logged.</summary>
    public (IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings) Run()
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        var known = KnownKeys();
        var sections = Bound.Where(b => b.Path.Length > 0).Select(b => b.Path).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in configuration.GetSection(Section).AsEnumerable(makePathsRelative: true))
        {
            if (value is null)
            {
                continue; // a section: its keys come on their own
            }
            if (sections.Contains(key))
            {
                errors.Add($"{Section}:{key} is a section, not a setting: set the keys under it, such as {Section}:{key}:{known.First(k => k.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase))}.");
                continue;
            }
            if (known.Contains(Normalize(key)) || SetByTheApp.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }
            if (NearMiss(Normalize(key), known) is { } meant)
            {
                errors.Add($"{Section}:{key} is not a setting: did you mean {Section}:{meant}? (It would be ignored.)");
            }
            else
            {
                warnings.Add($"{Section}:{key} is not a setting AgentPulse knows; it is ignored.");
            }
        }
        var log = EventLogChoice.Read(configuration);
        if (log.Error is { } logError)
        {
            errors.Add(logError);
        }
        return (errors, warnings);
    }

    /// <summary>List indices are not names: <c>AllowedOrigins:3</c> is <c>AllowedOrigins:*</c>.</summary>
    private static string Normalize(string key) =>
        string.Join(':', key.Split(':').Select(part => part.All(char.IsAsciiDigit) ? "*" : part));

    private static HashSet<string> KnownKeys()
    {
        var keys = new HashSet<string>(AppKeys, StringComparer.OrdinalIgnoreCase);
        foreach (var (path, type) in Bound)
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var key = path.Length == 0 ? property.Name : $"{path}:{property.Name}";
                var isList = property.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(property.PropertyType);
                if (isList)
                {
                    keys.Add(key + ":*");
                }
                else if (property.SetMethod?.IsPublic == true)
                {
                    keys.Add(key);
                }
            }
        }
        return keys;
    }

    /// <summary>The known key this one is a misspelling of: at most two edits away (one for short names), ignoring case.</summary>
    private static string? NearMiss(string key, HashSet<string> known)
    {
        var allowed = key.Length >= 8 ? 2 : key.Length >= 4 ? 1 : 0;
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var distance = Distance(key.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance <= allowed && distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }
        return best;
    }

    /// <summary>Edits (insert, delete, substitute, swap two neighbours) from one string to the other.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
