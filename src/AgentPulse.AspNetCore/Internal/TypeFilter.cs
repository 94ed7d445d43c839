using AgentPulse.Protocol;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>
/// A connection's subscription: the set of type patterns, in the order they were added. Immutable:
/// the receive loop (its only writer) publishes a new one, and fan-out reads whichever is current.
/// </summary>
internal sealed class TypeFilter
{
    private readonly TypePattern[] patterns;
    private readonly bool everything;

    public TypeFilter(IEnumerable<TypePattern> patterns)
    {
        this.patterns = [.. patterns.Distinct()];
        everything = this.patterns.Any(p => p.IsAll);
    }

    /// <summary>The patterns as the client wrote them, for <c>session.subscribed</c>.</summary>
    public IReadOnlyList<string> Texts => Array.ConvertAll(patterns, p => p.Text);

    public bool Matches(string type) => everything || TypePattern.AnyMatches(patterns, type);

    /// <summary>This set with <paramref name="changes"/> added (new ones at the end) or removed.</summary>
    public TypeFilter With(bool add, IEnumerable<TypePattern> changes) =>
        add ? new TypeFilter(patterns.Concat(changes)) : new TypeFilter(patterns.Except(changes));
}
