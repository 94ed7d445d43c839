using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using AgentPulse.Protocol;

namespace AgentPulse.Client.Internal;

/// <summary>Makes the URI of one connect, and opens the default socket.</summary>
internal static class ConnectUri
{
    /// <summary>The base URL with <c>ws</c>/<c>wss</c>, its query kept, plus the protocol's parameters.</summary>
    public static Uri Build(Uri url, IReadOnlyList<string> types, long? after, string? epoch, string? accessToken, int? conflateProgress = null)
    {
        var builder = new UriBuilder(AgentPulseClientOptions.ToWebSocketUrl(url));
        var query = new StringBuilder(builder.Query.TrimStart('?'));
        void Add(string name, string value)
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }
            query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
        if (types.Count > 0)
        {
            Add("types", string.Join(',', types));
        }
        if (after is { } seq)
        {
            Add("after", seq.ToString(CultureInfo.InvariantCulture));
        }
        if (epoch is not null)
        {
            Add("epoch", epoch);
        }
        if (conflateProgress is { } perSecond)
        {
            Add(Conflation.QueryParameter, Conflation.Format(perSecond));
        }
        if (!string.IsNullOrEmpty(accessToken))
        {
            Add("access_token", accessToken);
        }
        builder.Query = query.ToString();
        return builder.Uri;
    }

    /// <summary>The URI without its query, for logs (the query may hold the access token).</summary>
    public static string ForLog(Uri uri) => uri.GetLeftPart(UriPartial.Path);

    public static async ValueTask<WebSocket> ConnectDefaultAsync(Uri uri, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        if (!OperatingSystem.IsBrowser())
        {
            // The browser keeps its own connection alive; elsewhere a ping also keeps proxies from idling the socket out.
            socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
            // To tell a refused handshake (401, 403) from a network failure; the browser never shows the status.
            socket.Options.CollectHttpResponseDetails = true;
        }
        try
        {
            await socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (WebSocketException ex) when (!OperatingSystem.IsBrowser() && socket.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            // Typed, so the client reports DisconnectReason.Unauthorized rather than a failed connect.
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new HttpRequestException(
                status == HttpStatusCode.Unauthorized ? "unauthorized (HTTP 401)" : "forbidden (HTTP 403)",
                ex,
                status);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
