using System.Reflection;
using AgentPulse.AspNetCore;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Identity;

/// <summary>
/// Who asks, for per-user scoping of documents, searches and tasks: bound from the request in any endpoint
/// that takes one. With authentication on, a user sees public things (no owner) and their own, and what they
/// make is theirs. With it off, everyone sees everything and what is made is public.
/// </summary>
/// <param name="UserId">The user; <c>null</c> when authentication is off or nobody signed in.</param>
/// <param name="SeesAll">Whether authentication is off, so that owners do not matter.</param>
internal sealed record Viewer(string? UserId, bool SeesAll)
{
    /// <summary>Everyone, with authentication off.</summary>
    public static Viewer Everyone { get; } = new(null, true);

    /// <summary>The owner of what this viewer makes: the user, or <c>null</c> (public) with authentication off.</summary>
    public string? Owner => SeesAll ? null : UserId;

    /// <summary>Whether this viewer may see (and so change) something of <paramref name="owner"/>.</summary>
    public bool CanSee(string? owner) => SeesAll || owner is null || owner == UserId;

    /// <summary>Minimal APIs bind a parameter of this type with this.</summary>
    public static ValueTask<Viewer?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        var required = context.RequestServices.GetRequiredService<IOptions<AgentPulseOptions>>().Value.RequireAuthentication;
        return ValueTask.FromResult<Viewer?>(required ? new Viewer(UserIds.Of(context.User), false) : Everyone);
    }
}
