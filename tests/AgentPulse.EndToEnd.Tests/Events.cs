using System.Net;
using AgentPulse.Protocol;

namespace AgentPulse.EndToEnd.Tests;

/// <summary>Publishes events as any producer would: <c>POST /api/events</c>, one batch.</summary>
internal static class Events
{
    public static async Task PublishAsync(HttpClient http, params CloudEvent[] events)
    {
        using var content = new StringContent(
            System.Text.Json.JsonSerializer.Serialize(events.ToList(), AgentPulseJsonContext.Default.ListCloudEvent),
            System.Text.Encoding.UTF8,
            "application/cloudevents-batch+json");
        using var response = await http.PostAsync(new Uri("api/events", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
