using System.Text.Json;
using AgentPulse.Protocol;

namespace AgentPulse.Server.Events;

/// <summary>Reads a CloudEvent from JSON with errors a producer can act on.</summary>
internal static class CloudEventValidator
{
    public static bool TryRead(JsonElement json, out CloudEvent cloudEvent, out string error)
    {
        cloudEvent = null!;
        error = "";
        if (json.ValueKind != JsonValueKind.Object)
        {
            error = "A CloudEvent is a JSON object.";
            return false;
        }
        if (!TryString(json, "type", required: true, out var type, ref error)
            || !TryString(json, "specversion", required: false, out var specVersion, ref error)
            || !TryString(json, "source", required: false, out var source, ref error)
            || !TryString(json, "id", required: false, out var id, ref error)
            || !TryString(json, "subject", required: false, out var subject, ref error)
            || !TryString(json, "datacontenttype", required: false, out var contentType, ref error)
            || !TryString(json, "time", required: false, out var timeText, ref error))
        {
            return false;
        }
        if (specVersion is not null and not "1.0")
        {
            error = $"'specversion' must be \"1.0\", not \"{specVersion}\".";
            return false;
        }
        if (type!.Length > 200 || type.StartsWith(EventTypes.SessionPrefix, StringComparison.Ordinal) || !TypePattern.TryParse(type, out var pattern) || pattern.Text.Contains('*', StringComparison.Ordinal))
        {
            error = $"'type' \"{type}\" is not allowed: use a name such as \"task.progress\" (no spaces or '*', and not session.*).";
            return false;
        }
        DateTimeOffset? time = null;
        if (timeText is not null)
        {
            if (!DateTimeOffset.TryParse(timeText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var parsed))
            {
                error = $"'time' \"{timeText}\" is not an RFC 3339 timestamp.";
                return false;
            }
            time = parsed.ToUniversalTime();
        }
        cloudEvent = new CloudEvent
        {
            Type = type,
            Source = string.IsNullOrEmpty(source) ? "/api/events" : source,
            Id = id ?? "",
            Subject = subject,
            DataContentType = contentType ?? "application/json",
            Time = time, // when missing, the publisher stamps the time of the publish
            Data = json.TryGetProperty("data", out var data) && data.ValueKind != JsonValueKind.Null ? data.Clone() : null,
        };
        return true;
    }

    private static bool TryString(JsonElement json, string name, bool required, out string? value, ref string error)
    {
        value = null;
        if (!json.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                error = $"'{name}' is required.";
                return false;
            }
            return true;
        }
        if (property.ValueKind != JsonValueKind.String || property.GetString() is not { Length: > 0 } text)
        {
            error = $"'{name}' must be a non-empty string.";
            return false;
        }
        value = text;
        return true;
    }
}
