using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace AgentPulse.Testing;

/// <summary>
/// A WebSocket upgrade request made by hand with <see cref="HttpClient"/>, so that a test sees what a
/// refusal carries (status, <c>Retry-After</c>, the problem details body) and can set any header,
/// <c>Host</c> included, which <see cref="System.Net.WebSockets.ClientWebSocket"/> does not allow.
/// </summary>
public static class Upgrade
{
    /// <summary>Sends the upgrade request of a browser to <paramref name="pathAndQuery"/> over HTTP/1.1; the answer's body is not read yet.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, string pathAndQuery = "/ws/agents", Action<HttpRequestHeaders>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(pathAndQuery, UriKind.Relative))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        headers?.Invoke(request.Headers);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
