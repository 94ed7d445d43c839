using System.Text.Json;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
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

    private static async Task<IResult> StartAsync(HttpRequest request, SearchAgent agent, IOptions<SearchOptions> options, CancellationToken cancellationToken)
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
        var accepted = await agent.StartAsync(query, top);
        return Results.Json(accepted, AgentPulseJsonContext.Default.SearchAccepted, statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult Get(string searchId, SearchStore searches) =>
        searches.Get(searchId) is { } view
            ? Results.Json(view, AgentPulseJsonContext.Default.SearchRecord)
            : Problems.NotFound("search", searchId);
}
