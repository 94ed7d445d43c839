using Microsoft.AspNetCore.Http.Metadata;

namespace AgentPulse.Server;

/// <summary>
/// The one way request bodies are limited: Kestrel's own limit, set per endpoint from the options as
/// <see cref="IRequestSizeLimitMetadata"/> (routing applies it before the handler runs, whether or
/// not the request says its length). Reading past it throws <see cref="BadHttpRequestException"/>
/// with 413, which <see cref="IsTooLarge"/> tells, for the handler to answer with problem details.
/// </summary>
internal static class BodySizeLimit
{
    public static TBuilder WithBodySizeLimit<TBuilder>(this TBuilder builder, long maxBytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Limit(maxBytes));

    public static bool IsTooLarge(Exception exception) =>
        exception is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge };

    private sealed record Limit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
}
