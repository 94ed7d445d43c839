using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentPulse.Protocol;

/// <summary>
/// Reads and writes <see cref="CloudEvent"/> by hand: one pass over the properties, straight into
/// the record. (The generated converter handles <c>init</c> properties like constructor parameters,
/// boxing each one on the way; every client decodes every event, so this is its hottest path.)
/// Attributes the protocol does not know (other CloudEvents extensions) are skipped.
/// </summary>
internal sealed class CloudEventConverter : JsonConverter<CloudEvent>
{
    private static readonly UtcTimestampConverter Timestamps = new();

    public override CloudEvent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ReadEvent(ref reader, default);

    /// <summary>
    /// Reads one event. With <paramref name="whole"/> (the reader's entire input) the payload is kept
    /// as a slice of it, copied; without, it is parsed at once.
    /// </summary>
    internal static CloudEvent ReadEvent(ref Utf8JsonReader reader, ReadOnlySpan<byte> whole)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A CloudEvent is a JSON object.");
        }
        string specVersion = "1.0", id = "", source = "", type = "";
        string? subject = null, contentType = null;
        DateTimeOffset? time = null;
        long seq = 0;
        JsonElement? data = null;
        ReadOnlyMemory<byte> raw = default;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                var cloudEvent = new CloudEvent
                {
                    SpecVersion = specVersion,
                    Id = id,
                    Source = source,
                    Type = type,
                    Time = time,
                    Subject = subject,
                    Seq = seq,
                    DataContentType = contentType ?? "application/json",
                    Data = data,
                };
                return raw.IsEmpty ? cloudEvent : cloudEvent.WithRawData(raw);
            }
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                throw new JsonException("A CloudEvent's members are properties.");
            }
            if (reader.ValueTextEquals("specversion"u8))
            {
                specVersion = ReadString(ref reader) ?? "1.0";
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                id = ReadString(ref reader) ?? "";
            }
            else if (reader.ValueTextEquals("source"u8))
            {
                source = ReadString(ref reader) ?? "";
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                type = ReadString(ref reader) ?? "";
            }
            else if (reader.ValueTextEquals("subject"u8))
            {
                subject = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("datacontenttype"u8))
            {
                contentType = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("time"u8))
            {
                reader.Read();
                time = reader.TokenType == JsonTokenType.Null ? null : Timestamps.Read(ref reader, typeof(DateTimeOffset), AgentPulseJsonContext.Default.Options);
            }
            else if (reader.ValueTextEquals("seq"u8))
            {
                reader.Read();
                seq = reader.TokenType == JsonTokenType.Null ? 0 : reader.GetInt64();
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    data = null;
                }
                else if (whole.IsEmpty)
                {
                    data = JsonElement.ParseValue(ref reader);
                }
                else
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    raw = whole[start..(int)reader.BytesConsumed].ToArray();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        throw new JsonException("The CloudEvent ends before its closing brace.");
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => null,
            _ => throw new JsonException($"Expected a string, not {reader.TokenType}."),
        };
    }

    public override void Write(Utf8JsonWriter writer, CloudEvent value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("specversion"u8, value.SpecVersion);
        writer.WriteString("id"u8, value.Id);
        writer.WriteString("source"u8, value.Source);
        writer.WriteString("type"u8, value.Type);
        if (value.Time is { } time)
        {
            writer.WritePropertyName("time"u8);
            Timestamps.Write(writer, time, options);
        }
        if (value.Subject is { } subject)
        {
            writer.WriteString("subject"u8, subject);
        }
        writer.WriteNumber("seq"u8, value.Seq);
        if (value.DataContentType is { } contentType)
        {
            writer.WriteString("datacontenttype"u8, contentType);
        }
        if (value.RawData is { IsEmpty: false } raw)
        {
            writer.WritePropertyName("data"u8);
            writer.WriteRawValue(raw.Span, skipInputValidation: true);
        }
        else if (value.Data is { } data)
        {
            writer.WritePropertyName("data"u8);
            data.WriteTo(writer);
        }
        writer.WriteEndObject();
    }
}
