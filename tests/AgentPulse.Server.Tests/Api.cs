using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentPulse.Server.Tests;

/// <summary>Calls of the REST API as a client makes them.</summary>
internal static class Api
{
    public static MultipartFormDataContent Form(params (string Name, byte[] Content)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, content) in files)
        {
            var part = new ByteArrayContent(content);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "files", name);
        }
        return form;
    }

    public static Task<HttpResponseMessage> PostFilesAsync(this HttpClient http, params (string Name, byte[] Content)[] files) =>
        http.PostAsync("api/documents", Form(files));

    /// <summary>Uploads and expects 202; returns the accepted documents (documentId, taskId, name).</summary>
    public static async Task<List<JsonElement>> UploadAsync(this HttpClient http, params (string Name, byte[] Content)[] files)
    {
        using var response = await http.PostFilesAsync(files);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("documents").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Starts a search and expects 202; returns (searchId, taskId).</summary>
    public static async Task<(string SearchId, string TaskId)> SearchAsync(this HttpClient http, string query, int top = 10)
    {
        using var response = await http.PostAsJsonAsync("api/search", new { query, top });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        var root = JsonDocument.Parse(body).RootElement;
        return (root.Str("searchId"), root.Str("taskId"));
    }

    /// <summary>Reads a problem details answer, checking its status and media type.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }
}
