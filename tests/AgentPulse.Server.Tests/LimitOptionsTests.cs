using AgentPulse.Testing;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Tests;

public sealed class LimitOptionsTests
{
    [Theory]
    [InlineData("Documents:MaxExtractionTime", "00:00:00")]
    [InlineData("Documents:MaxDecodedBytes", "0")]
    [InlineData("Documents:MaxPdfMemoryBytes", "1048576")]
    [InlineData("Search:MaxQueryTerms", "0")]
    [InlineData("Search:MaxFuzzyOrPrefixTerms", "-1")]
    [InlineData("Search:MaxFuzzyEdits", "3")]
    [InlineData("Search:MaxPhraseSlop", "-1")]
    [InlineData("Search:MaxSearchTime", "00:00:00")]
    [InlineData("Tasks:MaxConcurrentCostlySearches", "0")]
    [InlineData("Events:MaxBodyBytes", "0")]
    [InlineData("Events:MaxBatch", "0")]
    [InlineData("Events:MaxActiveTasksPerSource", "0")]
    [InlineData("Events:MaxActiveTasks", "0")]
    [InlineData("Events:SilentTaskTimeout", "00:00:00")]
    [InlineData("Events:MaxDataTextChars", "1")]
    [InlineData("AgentPulse:MaxConnections", "0")]
    [InlineData("AgentPulse:MaxConnectionsPerIp", "0")]
    [InlineData("AgentPulse:MaxSubscriptionPatterns", "0")]
    [InlineData("AgentPulse:MaxControlQueueBytes", "100")]
    [InlineData("AgentPulse:LogRetentionBytes", "1000")]
    public async Task ALimitOutOfRange_StopsTheStart_NamingIt(string key, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningServer.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(key[(key.IndexOf(':', StringComparison.Ordinal) + 1)..], error.Message, StringComparison.Ordinal);
    }
}
