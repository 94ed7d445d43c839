using Microsoft.Extensions.Options;

namespace AgentPulse.AspNetCore.Internal;

internal sealed class AgentPulseOptionsValidator : IValidateOptions<AgentPulseOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentPulseOptions options)
    {
        var errors = new List<string>();
        Positive(options.HeartbeatInterval, nameof(options.HeartbeatInterval));
        Positive(options.InvalidFrameWindow, nameof(options.InvalidFrameWindow));
        Positive(options.CloseTimeout, nameof(options.CloseTimeout));
        Positive(options.LogRetentionAge, nameof(options.LogRetentionAge));
        Positive(options.MaxReconnectWindow, nameof(options.MaxReconnectWindow));
        if (options.HeartbeatInterval.TotalSeconds is > int.MaxValue or < 1)
        {
            errors.Add($"{nameof(options.HeartbeatInterval)} must be at least 1 second.");
        }
        foreach (var origin in options.AllowedOrigins)
        {
            if (origin != "*" && !Uri.TryCreate(origin, UriKind.Absolute, out _))
            {
                errors.Add($"{nameof(options.AllowedOrigins)}: '{origin}' is not an origin such as 'https://example.com'.");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        void Positive(TimeSpan value, string property)
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"{property} must be positive.");
            }
        }
    }
}
