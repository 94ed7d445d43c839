using System.Text.Json;
using System.Text.Json.Serialization;
using AgentPulse.Protocol.Contracts;

namespace AgentPulse.Protocol;

/// <summary>
/// Source-generated System.Text.Json metadata for every protocol type, the REST contracts
/// (<c>AgentPulse.Protocol.Contracts</c>) among them: camelCase, timestamps as RFC 3339 UTC with milliseconds,
/// trim-safe, so the client and the page run in trimmed WebAssembly without reflection. The one
/// context the server and the page both serialize the wire with.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    Converters = [typeof(UtcTimestampConverter), typeof(NullableUtcTimestampConverter)])]
[JsonSerializable(typeof(CloudEvent))]
[JsonSerializable(typeof(List<CloudEvent>))]
[JsonSerializable(typeof(TaskStarted))]
[JsonSerializable(typeof(TaskProgress))]
[JsonSerializable(typeof(TaskCompleted))]
[JsonSerializable(typeof(TaskFailed))]
[JsonSerializable(typeof(DocumentIndexed))]
[JsonSerializable(typeof(SearchCompleted))]
[JsonSerializable(typeof(TaskRecord))]
[JsonSerializable(typeof(List<TaskRecord>))]
[JsonSerializable(typeof(SessionFrame<SessionWelcome>))]
[JsonSerializable(typeof(SessionFrame<SessionSnapshot>))]
[JsonSerializable(typeof(SessionFrame<SessionHeartbeat>))]
[JsonSerializable(typeof(SessionFrame<SessionSubscribed>))]
[JsonSerializable(typeof(SessionFrame<SessionPong>))]
[JsonSerializable(typeof(SessionFrame<SessionError>))]
[JsonSerializable(typeof(SessionFrame<SessionAuthenticated>))]
[JsonSerializable(typeof(ClientOperation))]
[JsonSerializable(typeof(DocumentRecord))]
[JsonSerializable(typeof(DocumentList))]
[JsonSerializable(typeof(DocumentsAccepted))]
[JsonSerializable(typeof(DocumentTaskResult))]
[JsonSerializable(typeof(SearchRequest))]
[JsonSerializable(typeof(SearchAccepted))]
[JsonSerializable(typeof(SearchRecord))]
[JsonSerializable(typeof(SearchTaskResult))]
[JsonSerializable(typeof(EventAccepted))]
[JsonSerializable(typeof(EventsAccepted))]
[JsonSerializable(typeof(AuthInfo))]
[JsonSerializable(typeof(DevelopmentTokenRequest))]
[JsonSerializable(typeof(AccessTokenIssued))]
public sealed partial class AgentPulseJsonContext : JsonSerializerContext;

/// <summary>Writes timestamps as RFC 3339 UTC with milliseconds (<c>2026-11-25T17:00:00.123Z</c>), as JavaScript's <c>Date.toISOString</c> does; reads any RFC 3339 offset.</summary>
internal sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset().ToUniversalTime();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<byte> buffer = stackalloc byte[32];
        var utc = value.UtcDateTime;
        System.Buffers.Text.Utf8Formatter.TryFormat(utc, buffer, out _, new System.Buffers.StandardFormat('O'));
        // 'O' gives 2026-11-25T17:00:00.1230000Z: keep milliseconds only.
        buffer[23] = (byte)'Z';
        writer.WriteStringValue(buffer[..24]);
    }
}

internal sealed class NullableUtcTimestampConverter : JsonConverter<DateTimeOffset?>
{
    private static readonly UtcTimestampConverter Inner = new();

    public override bool HandleNull => false;

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Inner.Read(ref reader, typeof(DateTimeOffset), options);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is { } v)
        {
            Inner.Write(writer, v, options);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
