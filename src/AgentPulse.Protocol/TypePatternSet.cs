namespace AgentPulse.Protocol;

/// <summary>
/// A set of <see cref="TypePattern"/>s, in the order they were added, that tells whether a type matches
/// any of them at a cost that does not grow with their number: exact types are looked up in a hash
/// set, and so is each prefix of the type that ends at a dot (<c>task.</c> for <c>task.started</c>).
/// A set of a few patterns is scanned instead, which is cheaper (bench/results/type-filter.md).
/// Immutable: <see cref="With"/> makes a new set, in time linear in the two sets.
/// </summary>
public sealed class TypePatternSet
{
    // Up to this many patterns a scan costs less than the lookups (about 1 ns per pattern against 15 to 30 ns
    // for the lookups: bench/results/type-filter.md).
    private const int ScanUpTo = 16;

    private readonly TypePattern[] patterns;
    private readonly HashSet<string> exact = new(StringComparer.Ordinal);
    private readonly HashSet<string> prefixes = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> prefixLookup;
    private readonly bool everything;

    /// <summary>Makes a set of <paramref name="patterns"/>; a pattern given twice is kept once, where it first came.</summary>
    public TypePatternSet(IEnumerable<TypePattern> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var seen = new HashSet<TypePattern>();
        var kept = new List<TypePattern>();
        foreach (var pattern in patterns)
        {
            if (pattern.Text is null || !seen.Add(pattern))
            {
                continue;
            }
            kept.Add(pattern);
            if (pattern.IsAll)
            {
                everything = true;
            }
            else if (pattern.Prefix is { } prefix)
            {
                prefixes.Add(prefix);
            }
            else
            {
                exact.Add(pattern.Text);
            }
        }
        this.patterns = [.. kept];
        prefixLookup = prefixes.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>How many patterns the set holds.</summary>
    public int Count => patterns.Length;

    /// <summary>The patterns, in the order they were added.</summary>
    public IReadOnlyList<TypePattern> Patterns => patterns;

    /// <summary>The patterns as written, in the order they were added.</summary>
    public IReadOnlyList<string> Texts => Array.ConvertAll(patterns, p => p.Text);

    /// <summary>Whether <paramref name="type"/> matches any pattern of the set: one lookup, plus one per dot in <paramref name="type"/>.</summary>
    public bool Matches(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (patterns.Length <= ScanUpTo)
        {
            return TypePattern.AnyMatches(patterns, type);
        }
        if (everything || exact.Contains(type))
        {
            return true;
        }
        if (prefixes.Count == 0)
        {
            return false;
        }
        for (var dot = type.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = type.IndexOf('.', dot + 1))
        {
            if (prefixLookup.Contains(type.AsSpan(0, dot + 1)))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>This set with <paramref name="changes"/> added (new ones at the end) or removed.</summary>
    public TypePatternSet With(bool add, IEnumerable<TypePattern> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (add)
        {
            return new TypePatternSet(patterns.Concat(changes));
        }
        var removed = new HashSet<TypePattern>(changes);
        return new TypePatternSet(patterns.Where(p => !removed.Contains(p)));
    }

    /// <summary>How many patterns this set would hold with <paramref name="changes"/> added.</summary>
    public int CountWith(IEnumerable<TypePattern> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var count = patterns.Length;
        var seen = new HashSet<TypePattern>(patterns);
        foreach (var pattern in changes)
        {
            if (seen.Add(pattern))
            {
                count++;
            }
        }
        return count;
    }
}
