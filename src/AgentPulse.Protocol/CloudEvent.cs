using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentPulse.Protocol;

/// <summary>
/// An event as it travels on the wire: CloudEvents 1.0 in its JSON format, with the
/// extension attribute <c>seq</c> assigned by the server's event log.
/// </summary>
[JsonConverter(typeof(CloudEventConverter))]
public sealed record CloudEvent
{
    /// <summary>The CloudEvents version this envelope follows (always "1.0").</summary>
    [JsonPropertyName("specversion")]
    public string SpecVersion { get; init; } = "1.0";

    /// <summary>The producer's id; unique per <see cref="Source"/>. The server makes one when the producer gives none.</summary>
    [JsonPropertyName("id")]
    public string Id { get; init; } = "";

    /// <summary>Who produced the event, as a URI reference such as <c>/agents/indexer</c>.</summary>
    [JsonPropertyName("source")]
    public string Source { get; init; } = "";

    /// <summary>The event type, such as <c>task.progress</c> (see <see cref="EventTypes"/>).</summary>
    [JsonPropertyName("type")]
    public string Type { get; init; } = "";

    /// <summary>When the event happened (UTC); <c>null</c> when the producer gave none.</summary>
    [JsonPropertyName("time")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? Time { get; init; }

    /// <summary>What the event is about, such as <c>tasks/7f3a</c>; <c>null</c> when not given.</summary>
    [JsonPropertyName("subject")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Subject { get; init; }

    /// <summary>
    /// The position of the event in the server's log: strictly increasing over the whole log,
    /// below 2^53. 0 until the log has assigned it.
    /// </summary>
    [JsonPropertyName("seq")]
    public long Seq { get; init; }

    /// <summary>The media type of <see cref="Data"/> (default: "application/json").</summary>
    [JsonPropertyName("datacontenttype")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DataContentType { get; init; } = "application/json";

    private JsonElement? data;
    private ReadOnlyMemory<byte> rawData;

    /// <summary>
    /// The payload; one of the catalog records for the catalog's types. <c>null</c> when the event has none.
    /// An event read with <see cref="Parse"/> keeps its payload as the UTF-8 it came in until this is first read.
    /// </summary>
    [JsonPropertyName("data")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Data
    {
        get
        {
            if (data is null && !rawData.IsEmpty)
            {
                // Made once, on demand; two readers at once would make equal values.
                var reader = new Utf8JsonReader(rawData.Span);
                reader.Read();
                data = JsonElement.ParseValue(ref reader);
            }
            return data;
        }
        init
        {
            data = value;
            rawData = default;
        }
    }

    /// <summary>The payload's UTF-8 JSON as it arrived (from <see cref="Parse"/>), until <see cref="Data"/> is read; empty otherwise.</summary>
    internal ReadOnlyMemory<byte> RawData => data is null ? rawData : default;

    /// <summary>
    /// Reads an event from a whole frame. Unlike the serializer it keeps <c>data</c> as UTF-8 until it is
    /// asked for (<see cref="GetData{T}"/> reads the payload straight from it): a client decodes every
    /// event it gets, and most handlers want a typed payload, not a <see cref="JsonElement"/>.
    /// </summary>
    /// <exception cref="JsonException">The frame is not a CloudEvent.</exception>
    public static CloudEvent Parse(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        if (!reader.Read())
        {
            throw new JsonException("The frame is empty.");
        }
        return CloudEventConverter.ReadEvent(ref reader, utf8Json);
    }

    internal CloudEvent WithRawData(ReadOnlyMemory<byte> utf8) => new(this) { rawData = utf8 };

    /// <summary>Reads <see cref="Data"/> as <typeparamref name="T"/> with the protocol's source-generated metadata.</summary>
    /// <returns>The payload, or <c>null</c> when the event has none.</returns>
    public T? GetData<T>() where T : class
    {
        var info = (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>?)AgentPulseJsonContext.Default.GetTypeInfo(typeof(T))
            ?? throw new NotSupportedException($"{typeof(T).Name} is not a type of the AgentPulse protocol.");
        if (RawData is { IsEmpty: false } raw)
        {
            return JsonSerializer.Deserialize(raw.Span, info);
        }
        if (Data is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return element.Deserialize(info);
    }

    /// <summary>Makes an envelope around one of the catalog's payloads, with its type taken from the catalog.</summary>
    public static CloudEvent Create<T>(T data, string source, string? subject = null, string? id = null, DateTimeOffset? time = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(data);
        var info = AgentPulseJsonContext.Default.GetTypeInfo(typeof(T))
            ?? throw new NotSupportedException($"{typeof(T).Name} is not a type of the AgentPulse protocol.");
        return new CloudEvent
        {
            Id = id ?? Guid.NewGuid().ToString("N"),
            Source = source,
            Type = EventTypes.For<T>(),
            Subject = subject,
            Time = time,
            Data = JsonSerializer.SerializeToElement(data, info),
        };
    }
}
