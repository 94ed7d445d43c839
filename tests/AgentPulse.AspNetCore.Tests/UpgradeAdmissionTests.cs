using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using AgentPulse.AspNetCore.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.AspNetCore.Tests;

/// <summary>Upgrades admitted at a bounded rate: a burst, then one per interval; the refused told different, later times.</summary>
public sealed class UpgradeAdmissionTests
{
    private static UpgradeAdmission Admission(int rate, int burst, TimeProvider time) =>
        new(Options.Create(new AgentPulseOptions { MaxUpgradesPerSecond = rate, UpgradeBurst = burst }), time);

    [Fact]
    public void ABurst_IsAdmitted_ThenEachRefusedUpgradeIsPromisedTheNextFreeSlot()
    {
        var time = new FakeTimeProvider();
        var admission = Admission(rate: 10, burst: 3, time);

        Assert.All(Enumerable.Range(0, 3), i => Assert.True(admission.TryAdmit(out _)));
        // A storm of five more in the same instant: promised 100 ms apart, after the three admitted.
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            Assert.False(admission.TryAdmit(out var wait));
            waits.Add(wait);
        }
        Assert.Equal([400, 500, 600, 700, 800], waits.Select(w => (int)Math.Round(w.TotalMilliseconds)));

        // Each one that comes back at its time finds its slot.
        time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.True(admission.TryAdmit(out _));
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(admission.TryAdmit(out _));
    }

    [Fact]
    public void AfterAQuietSecond_TheBurstIsThereAgain()
    {
        var time = new FakeTimeProvider();
        var admission = Admission(rate: 10, burst: 3, time);
        for (var i = 0; i < 3; i++)
        {
            admission.TryAdmit(out _);
        }
        Assert.False(admission.TryAdmit(out _));

        time.Advance(TimeSpan.FromSeconds(1));

        Assert.All(Enumerable.Range(0, 3), i => Assert.True(admission.TryAdmit(out _)));
    }

    [Fact]
    public void RateZero_AdmitsEverything()
    {
        var admission = Admission(rate: 0, burst: 1, new FakeTimeProvider());

        Assert.All(Enumerable.Range(0, 10_000), i => Assert.True(admission.TryAdmit(out _)));
    }

    [Fact]
    public async Task AnUpgradeBeyondTheRate_Gets503WithRetryAfter_AndProblemDetails()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await LibraryHost.StartAsync(
            new Dictionary<string, string?> { ["AgentPulse:MaxUpgradesPerSecond"] = "1", ["AgentPulse:UpgradeBurst"] = "1" },
            configure: builder => builder.Services.AddSingleton<TimeProvider>(time));
        await using var admitted = await server.ConnectAsync();
        await admitted.HandshakeAsync();

        using var refused = new ClientWebSocket();
        refused.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(server.WebSocketUri(), CancellationToken.None));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.HttpStatusCode);
        // Admitted at 0 s, so the next on-time slot is at 1 s and the first refused is promised 2 s.
        Assert.Equal("2", refused.HttpResponseHeaders!["Retry-After"].Single());

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.BaseAddress + "ws/agents");
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(new byte[16]));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter!.Delta);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Too many connections at once", problem.RootElement.GetProperty("title").GetString());
    }
}
