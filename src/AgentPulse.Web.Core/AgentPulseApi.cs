using System.Net.Http.Json;
using System.Text.Json;
using AgentPulse.Protocol.Contracts;

namespace AgentPulse.Web;

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
                using var problem = JsonDocument.Parse(body);
                if ((Text(problem.RootElement, "detail") ?? Text(problem.RootElement, "title")) is { } message)
                {
                    return message;
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

    private static string? Text(JsonElement problem, string member) =>
        problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty(member, out var value)
            && value.ValueKind == JsonValueKind.String && value.GetString() is { } text && !string.IsNullOrWhiteSpace(text)
            ? text
            : null;
}

/// <summary>The server's REST API: documents, tasks and search. (Uploads go through the page, for their progress: see <c>DocumentUploader</c>.)</summary>
public sealed class AgentPulseApi(HttpClient http)
{
    /// <summary>The documents, as the server lists them.</summary>
    public async Task<IReadOnlyList<DocumentRecord>> GetDocumentsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/documents"), cancellationToken);
        var list = await response.Content.ReadFromJsonAsync(AgentPulseJsonContext.Default.DocumentList, cancellationToken);
        return list?.Documents ?? [];
    }

    /// <summary>Deletes a document (and cancels its indexing).</summary>
    public async Task DeleteDocumentAsync(string documentId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"api/documents/{Uri.EscapeDataString(documentId)}"), cancellationToken);
    }

    /// <summary>Indexes a document again; its new task reports through the events.</summary>
    public async Task ReindexDocumentAsync(string documentId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, $"api/documents/{Uri.EscapeDataString(documentId)}/reindex"), cancellationToken);
    }

    /// <summary>Cancels a queued or running task; it ends with <c>task.failed</c>, code <see cref="TaskErrorCodes.Cancelled"/>.</summary>
    public async Task CancelTaskAsync(string taskId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"api/tasks/{Uri.EscapeDataString(taskId)}"), cancellationToken);
    }

    /// <summary>Starts a search; its results come as <c>search.completed</c>.</summary>
    public async Task<SearchAccepted> StartSearchAsync(string query, int top, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/search")
        {
            Content = JsonContent.Create(new SearchRequest(query, top), AgentPulseJsonContext.Default.SearchRequest),
        };
        using var response = await SendAsync(request, cancellationToken);
        return await response.Content.ReadFromJsonAsync(AgentPulseJsonContext.Default.SearchAccepted, cancellationToken)
            ?? throw new ApiException("The server's answer was empty.");
    }

    /// <summary>A search as the server keeps it; <c>null</c> when it does not know it.</summary>
    public async Task<SearchRecord?> GetSearchAsync(string searchId, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync(new Uri($"api/search/{Uri.EscapeDataString(searchId)}", UriKind.Relative), cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync(AgentPulseJsonContext.Default.SearchRecord, cancellationToken);
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
