using AgentPulse.Server.Configuration;
using AgentPulse.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Tests;

/// <summary>Every key under AgentPulse: is read against the settings that exist: an ignored setting never looks as if it worked.</summary>
public sealed class ConfigurationCheckTests
{
    private static (IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings) Check(params (string Key, string Value)[] settings) =>
        new ConfigurationCheck(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build()).Run();

    [Fact]
    public void EveryKeyTheAppShipsWith_AndTheListsAndEveryLog_AreKnown()
    {
        var (errors, warnings) = Check(
            ("AgentPulse:HeartbeatInterval", "00:00:15"),
            ("agentpulse:sendqueuecapacity", "64"),
            ("AgentPulse:AllowedOrigins:0", "https://example.com"),
            ("AgentPulse:AllowedOrigins:1", "*"),
            ("AgentPulse:MaxUpgradesPerSecond", "0"),
            ("AgentPulse:Sqlite:Synchronous", "Full"),
            ("AgentPulse:Redis:Configuration", "127.0.0.1:6379"),
            ("AgentPulse:Redis:KeyPrefix", "prod"),
            ("AgentPulse:Redis:MemoryWindow", "100"));

        Assert.Empty(errors);
        Assert.Empty(warnings);
    }

    [Theory]
    [InlineData("AgentPulse:Redis:Configuraton", "AgentPulse:Redis:Configuration")]
    [InlineData("AgentPulse:HeartbeatIntreval", "AgentPulse:HeartbeatInterval")]
    [InlineData("AgentPulse:Redis:KeyPrefx", "AgentPulse:Redis:KeyPrefix")]
    [InlineData("AgentPulse:MaxUpgradesPerSecnd", "AgentPulse:MaxUpgradesPerSecond")]
    public void AMisspeltKey_IsAnError_ThatNamesItAndWhatItMeant(string key, string meant)
    {
        var (errors, _) = Check((key, "x"));

        Assert.Equal($"{key} is not a setting: did you mean {meant}? (It would be ignored.)", Assert.Single(errors));
    }

    [Fact]
    public void AnUnknownKey_IsAWarning_ThatNamesIt()
    {
        var (errors, warnings) = Check(("AgentPulse:Flavour", "vanilla"));

        Assert.Empty(errors);
        Assert.Equal("AgentPulse:Flavour is not a setting AgentPulse knows; it is ignored.", Assert.Single(warnings));
    }

    [Theory]
    [InlineData("AgentPulse:Redis", "127.0.0.1:6379", "AgentPulse:Redis is a section, not a setting")]
    [InlineData("AgentPulse:Log", "Postgres", "AgentPulse:Log is 'Postgres'")]
    public void AValueThatCanOnlyBeAMistake_IsAnError(string key, string value, string start)
    {
        var (errors, _) = Check((key, value));

        Assert.StartsWith(start, Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void RedisSettings_WithAnotherLog_AreAnError_ForEachNodeWouldKeepItsOwn()
    {
        var (errors, _) = Check(("AgentPulse:Log", "Sqlite"), ("AgentPulse:Redis:Configuration", "127.0.0.1:6379"));

        Assert.Equal(
            "AgentPulse:Redis:Configuration is set, but AgentPulse:Log is Sqlite: this node would keep a log of its own, apart from the other nodes. Set AgentPulse:Log to Redis, or remove the Redis settings.",
            Assert.Single(errors));
        Assert.StartsWith("AgentPulse:Log is Redis, but AgentPulse:Redis:Configuration is not set", Assert.Single(Check(("AgentPulse:Log", "Redis")).Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMisspeltKey_StopsTheStart_NamingIt()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningServer.StartAsync(new Dictionary<string, string?> { ["AgentPulse:Redis:Configuraton"] = "127.0.0.1:6379" }));

        Assert.Contains("AgentPulse:Redis:Configuraton is not a setting: did you mean AgentPulse:Redis:Configuration?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownKey_IsLoggedAtStart()
    {
        var log = new ServerLog();
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?> { ["AgentPulse:Flavour"] = "vanilla" }, configure: log.AddTo);

        Assert.Equal("AgentPulse:Flavour is not a setting AgentPulse knows; it is ignored.", await log.WaitForAsync(4201, "Flavour", TimeSpan.FromSeconds(30)));
    }
}
