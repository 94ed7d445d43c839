using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentPulse.Web;

/// <summary>A document as <c>GET /api/documents</c> lists it.</summary>
public sealed record DocumentInfo(
    string DocumentId,
    string Name,
    string ContentType,
    long SizeBytes,
    string Status,
    int ChunkCount,
    string TaskId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? IndexedAt,
    TaskError? Error);

/// <summary>An accepted file of an upload.</summary>
public sealed record AcceptedDocument(string DocumentId, string TaskId, string Name);

/// <summary>The answer to an upload.</summary>
public sealed record UploadResponse(IReadOnlyList<AcceptedDocument> Documents);

/// <summary>A started search.</summary>
public sealed record SearchAccepted(string SearchId, string TaskId);

/// <summary>A search as <c>GET /api/search/{id}</c> keeps it.</summary>
public sealed record SearchView(string SearchId, string Query, string Status, string TaskId, int? TotalHits, long? TookMs, IReadOnlyList<SearchHit>? Results, TaskError? Error);

/// <summary>The server said no; <see cref="Exception.Message"/> is fit to show a person.</summary>
public sealed class ApiException : Exception
{
    /// <summary>Makes one.</summary>
    public ApiException(string message, int? statusCode = null)
        : base(message) => StatusCode = statusCode;

    /// <summary>Makes one.</summary>
    public ApiException()
    {
    }

    /// <summary>Makes one.</summary>
    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The HTTP status; <c>null</c> when the server was not reached.</summary>
    public int? StatusCode { get; }

    /// <summary>The message of a problem details body (<c>detail</c>, else <c>title</c>), or a plain one for the status.</summary>
    public static string MessageOf(int statusCode, string? body)
    {
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                if (JsonSerializer.Deserialize(body, WebJsonContext.Default.Problem) is { } problem)
                {
                    if (!string.IsNullOrWhiteSpace(problem.Detail))
                    {
                        return problem.Detail;
                    }
                    if (!string.IsNullOrWhiteSpace(problem.Title))
                    {
                        return problem.Title;
                    }
                }
            }
            catch (JsonException)
            {
            }
        }
        return statusCode switch
        {
            413 => "The file is too large.",
            415 => "That type of file is not supported.",
            >= 500 => "The server had a problem; try again in a moment.",
            _ => $"The server refused the request ({statusCode}).",
        };
    }
}

/// <summary>The server's REST API: documents and search. (Uploads go through the page, for their progress: see <c>DocumentUploader</c>.)</summary>
public sealed class AgentPulseApi(HttpClient http)
{
    /// <summary>The documents, as the server lists them.</summary>
    public async Task<IReadOnlyList<DocumentInfo>> GetDocumentsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/documents"), cancellationToken);
        var list = await response.Content.ReadFromJsonAsync(WebJsonContext.Default.DocumentListResponse, cancellationToken);
        return list?.Documents ?? [];
    }

    /// <summary>Deletes a document (and cancels its indexing).</summary>
    public async Task DeleteDocumentAsync(string documentId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"api/documents/{Uri.EscapeDataString(documentId)}"), cancellationToken);
    }

    /// <summary>Starts a search; its results come as <c>search.completed</c>.</summary>
    public async Task<SearchAccepted> StartSearchAsync(string query, int top, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/search")
        {
            Content = JsonContent.Create(new SearchRequest(query, top), WebJsonContext.Default.SearchRequest),
        };
        using var response = await SendAsync(request, cancellationToken);
        return await response.Content.ReadFromJsonAsync(WebJsonContext.Default.SearchAccepted, cancellationToken)
            ?? throw new ApiException("The server's answer was empty.");
    }

    /// <summary>A search as the server keeps it; <c>null</c> when it does not know it.</summary>
    public async Task<SearchView?> GetSearchAsync(string searchId, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync(new Uri($"api/search/{Uri.EscapeDataString(searchId)}", UriKind.Relative), cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync(WebJsonContext.Default.SearchView, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            using (request)
            {
                response = await http.SendAsync(request, cancellationToken);
            }
        }
        catch (HttpRequestException ex)
        {
            throw new ApiException("The server could not be reached.", ex);
        }
        try
        {
            await EnsureSuccessAsync(response, cancellationToken);
        }
        catch
        {
            response.Dispose();
            throw;
        }
        return response;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new ApiException(ApiException.MessageOf((int)response.StatusCode, body), (int)response.StatusCode);
    }
}

internal sealed record DocumentListResponse(IReadOnlyList<DocumentInfo> Documents);

internal sealed record SearchRequest(string Query, int Top);

internal sealed record Problem(string? Title, string? Detail, int? Status);

/// <summary>Source-generated JSON for the REST shapes (trim-safe in WebAssembly).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DocumentListResponse))]
[JsonSerializable(typeof(UploadResponse))]
[JsonSerializable(typeof(SearchRequest))]
[JsonSerializable(typeof(SearchAccepted))]
[JsonSerializable(typeof(SearchView))]
[JsonSerializable(typeof(Problem))]
internal sealed partial class WebJsonContext : JsonSerializerContext;
