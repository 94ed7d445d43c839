using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Unicode;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
using AgentPulse.Server.Tasks;
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

    /// <summary>The most active tasks (started, not yet ended) one outside source may have; a further <c>task.started</c> gets 429 (default: 100).</summary>
    [Range(1, 1_000_000)]
    public int MaxActiveTasksPerSource { get; set; } = 100;

    /// <summary>The most active tasks all outside sources may have together; a further <c>task.started</c> gets 429 (default: 1000).</summary>
    [Range(1, 10_000_000)]
    public int MaxActiveTasks { get; set; } = 1000;

    /// <summary>
    /// How long an outside task may give no news (no event about it) before the server fails it with
    /// <c>task.failed</c> "no news from the agent" (default: 10 minutes).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan SilentTaskTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest text (a string, or a property name) in the <c>data</c> of a catalog type, in characters (default: 1000).</summary>
    [Range(16, 1_000_000)]
    public int MaxDataTextChars { get; set; } = 1000;
}

/// <summary><c>POST /api/events</c>: producers outside the server publish CloudEvents over HTTP.</summary>
public static class EventsEndpoints
{
    private const string Structured = "application/cloudevents+json";
    private const string Batch = "application/cloudevents-batch+json";

    /// <summary>
    /// Adds what <c>POST /api/events</c> needs, configured from the section <c>Events</c>: its options,
    /// who may publish what, the outside publishers' active tasks and the sweep of the silent ones.
    /// Call after <c>AddAgentPulse</c>.
    /// </summary>
    public static IServiceCollection AddEvents(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<EventsOptions>().Bind(configuration.GetSection("Events")).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OutsideTasks>();
        services.AddSingleton<IEventObserver>(sp => sp.GetRequiredService<OutsideTasks>());
        services.AddHostedService<SilentTaskSweeper>();
        return services;
    }

    public static void MapEvents(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/api/events", PublishAsync)
            .AllowAnonymous() // publishers are checked by PublisherAccess: an API key, or loopback with authentication off
            .AddEndpointFilter(PublisherAccess.Filter)
            .WithBodySizeLimit(endpoints.ServiceProvider.GetRequiredService<IOptions<EventsOptions>>().Value.MaxBodyBytes);

    private static async Task<IResult> PublishAsync(HttpContext context, IEventPublisher publisher, OutsideTasks outside, TaskStore builtIn, IOptions<EventsOptions> options, CancellationToken cancellationToken)
    {
        var request = context.Request;
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
            // Read whole (within MaxBodyBytes) and checked as UTF-8 first: the JSON reader lets bad bytes
            // inside a string through, and they would fail later, where nobody can answer 400.
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken);
            var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            if (!Utf8.IsValid(bytes.Span))
            {
                return Problems.Create(StatusCodes.Status400BadRequest, "Not valid UTF-8", "The body is not valid UTF-8: send the JSON encoded as UTF-8.");
            }
            if (bytes.Span.StartsWith("\uFEFF"u8))
            {
                bytes = bytes[3..];
            }
            using var document = JsonDocument.Parse(bytes);
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
            var at = isBatch ? $"Event {i}: " : "";
            if (!CloudEventValidator.TryRead(items[i], out var cloudEvent, out var error))
            {
                return Problems.Create(StatusCodes.Status400BadRequest, "Invalid CloudEvent", at + error);
            }
            if (CatalogData.Problem(cloudEvent, opts.MaxDataTextChars) is { } misfit)
            {
                return Problems.Create(StatusCodes.Status400BadRequest, "Data does not fit its type", at + misfit);
            }
            if (PublisherAccess.RefusalFor(context.User, cloudEvent.Source) is { } refused)
            {
                return Problems.Create(StatusCodes.Status403Forbidden, "Source not allowed", at + refused);
            }
            if (CatalogData.TaskId(cloudEvent) is { } taskId && TaskOwner(taskId, cloudEvent.Source, outside, builtIn) is { } owner)
            {
                return Problems.Create(StatusCodes.Status403Forbidden, "Not your task", $"{at}The task {taskId} belongs to {owner}: a source may report only on its own tasks.");
            }
            events.Add(cloudEvent);
        }
        if (TooManyTasks(events, outside, opts) is { } tooMany)
        {
            return Problems.Create(StatusCodes.Status429TooManyRequests, "Too many active tasks", tooMany);
        }

        // One append for the whole batch: contiguous seqs, committed all or none, acknowledged once durable.
        IReadOnlyList<PublishResult> published;
        try
        {
            published = await publisher.PublishAsync(events, EventAudience.Public, cancellationToken);
        }
        catch (EventLogUnavailableException ex)
        {
            context.Response.Headers.RetryAfter = "1";
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, "Events cannot be stored now", ex.Message);
        }
        var results = published.Select(result => new EventAccepted(result.Seq, result.Id, result.Duplicate)).ToList();
        return isBatch
            ? Results.Json(new EventsAccepted(results), AgentPulseJsonContext.Default.EventsAccepted, statusCode: StatusCodes.Status202Accepted)
            : Results.Json(results[0], AgentPulseJsonContext.Default.EventAccepted, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Who the task <paramref name="taskId"/> belongs to when it is not <paramref name="source"/>'s: the server's agents, or another outside source.</summary>
    private static string? TaskOwner(string taskId, string source, OutsideTasks outside, TaskStore builtIn)
    {
        if (outside.SourceOf(taskId) is { } other)
        {
            return other == source ? null : other;
        }
        return builtIn.Get(taskId) is { } task ? $"the server's agent '{task.Agent}'" : null;
    }

    /// <summary>
    /// Why the tasks these events start would be too many, for their source or for all outside sources
    /// together; <c>null</c> when they fit. Checked before the append: publishes running at the same
    /// moment may pass the caps by as many tasks as they start.
    /// </summary>
    private static string? TooManyTasks(List<CloudEvent> events, OutsideTasks outside, EventsOptions options)
    {
        var starts = events
            .Where(e => e.Type == EventTypes.TaskStarted && CatalogData.TaskId(e) is { } id && outside.SourceOf(id) is null)
            .GroupBy(e => e.Source)
            .Select(g => (Source: g.Key, New: g.Select(CatalogData.TaskId).Distinct(StringComparer.Ordinal).Count()))
            .ToList();
        foreach (var (source, count) in starts)
        {
            if (outside.CountOf(source) + count > options.MaxActiveTasksPerSource)
            {
                return $"{source} has {options.MaxActiveTasksPerSource} active tasks, the most a source may (Events:MaxActiveTasksPerSource): end some (task.completed or task.failed) first.";
            }
        }
        var total = starts.Sum(s => s.New);
        return total > 0 && outside.Count + total > options.MaxActiveTasks
            ? $"Outside publishers have {options.MaxActiveTasks} active tasks, the most they may have together (Events:MaxActiveTasks): end some (task.completed or task.failed) first."
            : null;
    }

    private static IResult TooLarge(EventsOptions options) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "Too large", $"The body is over {options.MaxBodyBytes} bytes.");
}
