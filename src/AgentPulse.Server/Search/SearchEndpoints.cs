using System.Text.Json;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
using AgentPulse.Server.Identity;
using AgentPulse.Server.Security;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Search;

/// <summary><c>/api/search</c>: a search runs as a task; its results come as <c>search.completed</c> and stay here.</summary>
internal static class SearchEndpoints
{
    public static void MapSearch(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/search", StartAsync);
        endpoints.MapGet("/api/search/{searchId}", Get);
    }

    private static async Task<IResult> StartAsync(HttpRequest request, SearchAgent agent, SearchIndex index, IOptions<SearchOptions> options, Viewer viewer, CancellationToken cancellationToken)
    {
        var opts = options.Value;
        if (CrossSite.RequireJson(request, "{\"query\":\"agents\",\"top\":10}") is { } notJson)
        {
            return notJson;
        }
        SearchRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(request.Body, AgentPulseJsonContext.Default.SearchRequest, cancellationToken);
        }
        catch (JsonException)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Not valid JSON", "Send a JSON body such as {\"query\":\"agents\",\"top\":10}.");
        }
        var query = body?.Query?.Trim();
        if (string.IsNullOrEmpty(query))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "The query is empty", "Type something to search for.");
        }
        if (query.Length > opts.MaxQueryChars)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "The query is too long", $"A query may be up to {opts.MaxQueryChars} characters long.");
        }
        var top = body!.Top ?? opts.DefaultTop;
        if (top < 1 || top > opts.MaxTop)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Bad number of results", $"Ask for 1 to {opts.MaxTop} results.");
        }
        // Parsed here, so a query over the caps is refused before it costs anything.
        var parsed = index.Parse(query, opts);
        if (parsed.Terms > opts.MaxQueryTerms)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Too many words", $"A query may have up to {opts.MaxQueryTerms} words; this one has {parsed.Terms}.");
        }
        if (parsed.ExpandingTerms > opts.MaxFuzzyOrPrefixTerms)
        {
            return Problems.Create(
                StatusCodes.Status400BadRequest,
                "Too many fuzzy or prefix terms",
                $"A query may have up to {opts.MaxFuzzyOrPrefixTerms} fuzzy (word~) or prefix (word*) terms; this one has {parsed.ExpandingTerms}.");
        }
        var accepted = await agent.StartAsync(query, parsed, top, viewer);
        return Results.Json(accepted, AgentPulseJsonContext.Default.SearchAccepted, statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult Get(string searchId, SearchStore searches, Viewer viewer) =>
        searches.Get(searchId, viewer) is { } view
            ? Results.Json(view, AgentPulseJsonContext.Default.SearchRecord)
            : Problems.NotFound("search", searchId);
}
