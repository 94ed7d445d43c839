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
