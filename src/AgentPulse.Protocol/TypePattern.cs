namespace AgentPulse.Protocol;

/// <summary>
/// A subscription pattern: an exact type (<c>search.completed</c>), a prefix wildcard
/// (<c>task.*</c>, which matches <c>task.started</c> but not <c>task</c>) or <c>*</c> for everything.
/// </summary>
public readonly record struct TypePattern
{
    private readonly string? prefix;

    private TypePattern(string text, string? prefix)
    {
        Text = text;
        this.prefix = prefix;
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>The prefix a matching type starts with (<c>task.</c> for <c>task.*</c>); <c>null</c> for an exact type.</summary>
    internal string? Prefix => prefix;

    /// <summary>Whether the pattern matches every type.</summary>
    public bool IsAll => Text == "*";

    /// <summary>Parses a pattern.</summary>
    /// <exception cref="FormatException">The text is empty, has spaces or control characters, or a <c>*</c> other than a final <c>.*</c> or a lone <c>*</c>.</exception>
    public static TypePattern Parse(string text) =>
        TryParse(text, out var pattern) ? pattern : throw new FormatException($"'{text}' is not a type pattern: use an exact type such as 'task.started', a prefix such as 'task.*', or '*'.");

    /// <summary>Parses a pattern; returns <c>false</c> when <paramref name="text"/> is not one.</summary>
    public static bool TryParse(string? text, out TypePattern pattern)
    {
        pattern = default;
        if (string.IsNullOrEmpty(text) || text.Length > 200)
        {
            return false;
        }
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c == ',')
            {
                return false;
            }
        }
        if (text == "*")
        {
            pattern = new TypePattern(text, "");
            return true;
        }
        var star = text.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            pattern = new TypePattern(text, null);
            return true;
        }
        if (star != text.Length - 1 || text.Length < 3 || text[^2] != '.')
        {
            return false;
        }
        pattern = new TypePattern(text, text[..^1]);
        return true;
    }

    /// <summary>Whether <paramref name="type"/> matches this pattern.</summary>
    public bool Matches(string type) => prefix is null
        ? string.Equals(type, Text, StringComparison.Ordinal)
        : type.StartsWith(prefix, StringComparison.Ordinal);

    /// <summary>Whether any of <paramref name="patterns"/> matches <paramref name="type"/>.</summary>
    public static bool AnyMatches(ReadOnlySpan<TypePattern> patterns, string type)
    {
        foreach (var pattern in patterns)
        {
            if (pattern.Matches(type))
            {
                return true;
            }
        }
        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
