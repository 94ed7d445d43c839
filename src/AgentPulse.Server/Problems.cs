namespace AgentPulse.Server;

/// <summary>
/// The one place the app's errors are made: RFC 7807 problem details with a message fit to show a
/// person, written through the app's <c>IProblemDetailsService</c> (<c>AddProblemDetails</c>).
/// </summary>
internal static class Problems
{
    public static IResult Create(int status, string title, string detail) =>
        Results.Problem(title: title, detail: detail, statusCode: status);

    public static IResult NotFound(string what, string id) =>
        Create(StatusCodes.Status404NotFound, $"No such {what}", $"There is no {what} with the id {id}.");
}
