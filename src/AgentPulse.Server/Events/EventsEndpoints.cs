using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Events;

/// <summary>Options of <c>POST /api/events</c> (configuration section <c>Events</c>). Validated at start.</summary>
public sealed class EventsOptions
{
    /// <summary>The largest request body, in bytes; a larger one is refused with 413 (default: 262144).</summary>
    [Range(256, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>The most events in one batch (default: 1000).</summary>
    [Range(1, 100_000)]
    public int MaxBatch { get; set; } = 1000;
}

/// <summary><c>POST /api/events</c>: producers outside the server publish CloudEvents over HTTP.</summary>
public static class EventsEndpoints
{
    private const string Structured = "application/cloudevents+json";
    private const string Batch = "application/cloudevents-batch+json";

    public static void MapEvents(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/api/events", PublishAsync)
            .AllowAnonymous() // publishers are checked by PublisherAccess: an API key, or loopback with authentication off
            .AddEndpointFilter(PublisherAccess.Filter)
            .WithBodySizeLimit(endpoints.ServiceProvider.GetRequiredService<IOptions<EventsOptions>>().Value.MaxBodyBytes);

    private static async Task<IResult> PublishAsync(HttpRequest request, IEventPublisher publisher, IOptions<EventsOptions> options, CancellationToken cancellationToken)
    {
        var opts = options.Value;
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not (Structured or Batch or "application/json"))
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send one CloudEvent as {Structured} (or application/json), or a batch as {Batch}.");
        }
        if (request.ContentLength > opts.MaxBodyBytes)
        {
            return TooLarge(opts);
        }

        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            body = document.RootElement.Clone();
        }
        catch (Exception ex) when (BodySizeLimit.IsTooLarge(ex))
        {
            return TooLarge(opts);
        }
        catch (JsonException ex)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Not valid JSON", ex.Message);
        }

        var isBatch = mediaType == Batch || (mediaType == "application/json" && body.ValueKind == JsonValueKind.Array);
        var items = new List<JsonElement>();
        if (isBatch)
        {
            if (body.ValueKind != JsonValueKind.Array)
            {
                return Problems.Create(StatusCodes.Status400BadRequest, "Not a batch", $"A {Batch} body is a JSON array of CloudEvents.");
            }
            items.AddRange(body.EnumerateArray());
            if (items.Count == 0 || items.Count > opts.MaxBatch)
            {
                return Problems.Create(StatusCodes.Status400BadRequest, "Bad batch size", $"A batch holds 1 to {opts.MaxBatch} events; this one holds {items.Count}.");
            }
        }
        else
        {
            items.Add(body);
        }

        var events = new List<CloudEvent>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (!CloudEventValidator.TryRead(items[i], out var cloudEvent, out var error))
            {
                return Problems.Create(StatusCodes.Status400BadRequest, "Invalid CloudEvent", isBatch ? $"Event {i}: {error}" : error);
            }
            if (PublisherAccess.RefusalFor(request.HttpContext.User, cloudEvent.Source) is { } refusal)
            {
                return Problems.Create(StatusCodes.Status403Forbidden, "Source not allowed", isBatch ? $"Event {i}: {refusal}" : refusal);
            }
            events.Add(cloudEvent);
        }

        // One append for the whole batch: contiguous seqs, committed all or none, acknowledged once durable.
        IReadOnlyList<PublishResult> published;
        try
        {
            published = await publisher.PublishAsync(events, EventAudience.Public, cancellationToken);
        }
        catch (EventLogUnavailableException ex)
        {
            request.HttpContext.Response.Headers.RetryAfter = "1";
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "Events cannot be stored now", ex.Message);
        }
        var results = published.Select(result => new EventAccepted(result.Seq, result.Id, result.Duplicate)).ToList();
        return isBatch
            ? Results.Json(new EventsAccepted(results), AgentPulseJsonContext.Default.EventsAccepted, statusCode: StatusCodes.Status202Accepted)
            : Results.Json(results[0], AgentPulseJsonContext.Default.EventAccepted, statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult TooLarge(EventsOptions options) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "Too large", $"The body is over {options.MaxBodyBytes} bytes.");
}
