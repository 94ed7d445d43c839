using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace AgentPulse.Protocol;

/// <summary>Writes and reads whole frames of the protocol as UTF-8 JSON.</summary>
public static class Frames
{
    /// <summary>The protocol version this library speaks.</summary>
    public const int ProtocolVersion = 1;

    /// <summary>Serializes a session frame of the given type around <paramref name="data"/>.</summary>
    public static byte[] Session<TData>(string type, TData data, JsonTypeInfo<SessionFrame<TData>> typeInfo) =>
        JsonSerializer.SerializeToUtf8Bytes(new SessionFrame<TData>(type, data), typeInfo);

    /// <summary><c>session.welcome</c>.</summary>
    public static byte[] Welcome(SessionWelcome data) => Session(EventTypes.SessionWelcome, data, AgentPulseJsonContext.Default.SessionFrameSessionWelcome);

    /// <summary><c>session.snapshot</c>.</summary>
    public static byte[] Snapshot(SessionSnapshot data) => Session(EventTypes.SessionSnapshot, data, AgentPulseJsonContext.Default.SessionFrameSessionSnapshot);

    /// <summary><c>session.heartbeat</c>.</summary>
    public static byte[] Heartbeat(long seq) => Session(EventTypes.SessionHeartbeat, new SessionHeartbeat(seq), AgentPulseJsonContext.Default.SessionFrameSessionHeartbeat);

    /// <summary><c>session.subscribed</c>.</summary>
    public static byte[] Subscribed(IReadOnlyList<string> types) => Session(EventTypes.SessionSubscribed, new SessionSubscribed(types), AgentPulseJsonContext.Default.SessionFrameSessionSubscribed);

    /// <summary><c>session.pong</c>.</summary>
    public static byte[] Pong(string? id) => Session(EventTypes.SessionPong, new SessionPong(id), AgentPulseJsonContext.Default.SessionFrameSessionPong);

    /// <summary><c>session.authenticated</c>.</summary>
    public static byte[] Authenticated(long? tokenExpiresInSeconds) => Session(EventTypes.SessionAuthenticated, new SessionAuthenticated(tokenExpiresInSeconds), AgentPulseJsonContext.Default.SessionFrameSessionAuthenticated);

    /// <summary><c>session.error</c>.</summary>
    public static byte[] Error(string code, string message) => Session(EventTypes.SessionError, new SessionError(code, message), AgentPulseJsonContext.Default.SessionFrameSessionError);

    /// <summary>Serializes an event with its seq.</summary>
    public static byte[] Event(CloudEvent cloudEvent) => JsonSerializer.SerializeToUtf8Bytes(cloudEvent, AgentPulseJsonContext.Default.CloudEvent);

    /// <summary>Serializes a client operation.</summary>
    public static byte[] Operation(ClientOperation operation) => JsonSerializer.SerializeToUtf8Bytes(operation, AgentPulseJsonContext.Default.ClientOperation);

    /// <summary>
    /// Reads the <c>type</c> of a server frame without deserializing the rest.
    /// </summary>
    /// <returns>The type, or <c>null</c> when the frame is not a JSON object with a string <c>type</c>.</returns>
    public static string? ReadType(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                if (!reader.Read())
                {
                    return null;
                }
                if (isType)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                reader.Skip();
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
