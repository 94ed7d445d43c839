using AgentPulse.Protocol;

namespace AgentPulse.Protocol.Tests;

public sealed class TypePatternTests
{
    [Theory]
    [InlineData("task.*", "task.started", true)]
    [InlineData("task.*", "task.progress", true)]
    [InlineData("task.*", "task", false)]
    [InlineData("task.*", "tasks.started", false)]
    [InlineData("task.*", "document.indexed", false)]
    [InlineData("search.completed", "search.completed", true)]
    [InlineData("search.completed", "search.completed.late", false)]
    [InlineData("*", "anything.at.all", true)]
    public void Matches(string pattern, string type, bool expected) =>
        Assert.Equal(expected, TypePattern.Parse(pattern).Matches(type));

    [Theory]
    [InlineData("")]
    [InlineData("ta*sk")]
    [InlineData("task*")]
    [InlineData("*.started")]
    [InlineData("task.**")]
    [InlineData("task .*")]
    [InlineData("a,b")]
    public void Rejects(string text)
    {
        Assert.False(TypePattern.TryParse(text, out _));
        Assert.Throws<FormatException>(() => TypePattern.Parse(text));
    }
}

public sealed class TypePatternSetTests
{
    private static TypePatternSet Set(params string[] patterns) => new(patterns.Select(TypePattern.Parse));

    [Theory]
    [InlineData("task.started", true)]
    [InlineData("task.", true)]
    [InlineData("task", false)]
    [InlineData("tasks.started", false)]
    [InlineData("search.completed", true)]
    [InlineData("search.completed.late", false)]
    [InlineData("a.b.c.d", true)]
    [InlineData("a.b", false)]
    [InlineData("a.bc.d", false)]
    [InlineData("", false)]
    public void Matches_AsAnyOfItsPatternsWould(string type, bool expected)
    {
        // A few patterns are scanned, many are looked up: both ways answer alike.
        string[] few = ["task.*", "search.completed", "a.b.c.*"];
        string[] many = [.. few, .. Enumerable.Range(0, 30).Select(i => i % 2 == 0 ? $"z{i}.*" : $"z{i}.exact")];

        foreach (var patterns in new[] { few, many })
        {
            var set = Set(patterns);
            Assert.Equal(expected, set.Matches(type));
            Assert.Equal(patterns.Any(p => TypePattern.Parse(p).Matches(type)), set.Matches(type));
        }
    }

    [Fact]
    public void Everything_MatchesAnyType()
    {
        Assert.True(Set("x.y", "*").Matches("anything.at.all"));
        Assert.True(Set([.. Enumerable.Range(0, 30).Select(i => $"z{i}.*"), "*"]).Matches("anything.at.all"));
    }

    [Fact]
    public void With_AddsNewOnesAtTheEnd_KeepsEachOnce_AndRemoves()
    {
        var set = Set("a.*", "b.one").With(add: true, [TypePattern.Parse("b.one"), TypePattern.Parse("c.*")]);
        Assert.Equal(["a.*", "b.one", "c.*"], set.Texts);
        Assert.Equal(3, set.CountWith([TypePattern.Parse("a.*")]));
        Assert.Equal(4, set.CountWith([TypePattern.Parse("d.*"), TypePattern.Parse("d.*")]));

        var removed = set.With(add: false, [TypePattern.Parse("a.*"), TypePattern.Parse("z.*")]);
        Assert.Equal(["b.one", "c.*"], removed.Texts);
        Assert.False(removed.Matches("a.x"));
        Assert.True(removed.Matches("c.x"));
    }
}
