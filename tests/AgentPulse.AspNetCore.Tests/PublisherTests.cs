using System.Globalization;
using AgentPulse.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.AspNetCore.Tests;

public sealed class PublisherTests
{
    [Fact]
    public async Task EventsWithoutATime_AreStampedWithTheAppsClock_AndTheirTimesAreKept()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T17:00:00Z", CultureInfo.InvariantCulture));
        await using var server = await LibraryHost.StartAsync(configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
        await using var client = await server.ConnectAsync();
        await client.HandshakeAsync();
        var publisher = server.Get<IEventPublisher>();

        await publisher.PublishAsync(new TaskStarted("t1", "search", "Search", "searcher", null), "/agents/searcher");
        time.Advance(TimeSpan.FromSeconds(3));
        await publisher.PublishAsync(CloudEvent.Create(new TaskCompleted("t1", 3000, null), "/agents/searcher"));
        var own = DateTimeOffset.Parse("2020-01-01T00:00:00Z", CultureInfo.InvariantCulture);
        await publisher.PublishAsync(CloudEvent.Create(new TaskStarted("t2", "search", "Search", "searcher", null), "/agents/searcher", time: own));

        var times = (await client.EventsAsync(3)).Select(e => DateTimeOffset.Parse(e.GetProperty("time").GetString()!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal([time.Start, time.Start.AddSeconds(3), own], times);
    }
}
