using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AgentPulse.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.Testing;

/// <summary>
/// The real server on Kestrel, 127.0.0.1 and an ephemeral port, with a data folder of its own.
/// Start a second one on the same data folder and port to simulate a restart.
/// </summary>
public sealed class RunningServer : IAsyncDisposable
{
    private RunningServer(WebApplication app, Uri baseAddress, string dataPath, bool ownsData)
    {
        App = app;
        BaseAddress = baseAddress;
        DataPath = dataPath;
        OwnsData = ownsData;
    }

    public WebApplication App { get; }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseAddress { get; }

    public string DataPath { get; }

    private bool OwnsData { get; }

    public int Port => BaseAddress.Port;

    public IServiceProvider Services => App.Services;

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>ws://127.0.0.1:port/ws/agents plus <paramref name="query"/> (without '?').</summary>
    public Uri WebSocketUri(string? query = null) =>
        new($"ws://127.0.0.1:{Port}/ws/agents{(string.IsNullOrEmpty(query) ? "" : "?" + query)}");

    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress };

    /// <summary>Starts the app. <paramref name="settings"/> are configuration keys such as "AgentPulse:SendQueueCapacity".</summary>
    public static async Task<RunningServer> StartAsync(
        IDictionary<string, string?>? settings = null,
        Action<WebApplicationBuilder>? configure = null,
        int port = 0,
        string? dataPath = null)
    {
        var ownsData = dataPath is null;
        dataPath ??= Path.Combine(Path.GetTempPath(), "agentpulse-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataPath);
        var args = new List<string> { $"--urls=http://127.0.0.1:{port}", $"--DataPath={dataPath}", "--Logging:LogLevel:Default=Warning" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            args.Add($"--{key}={value}");
        }
        var app = AgentPulseApp.Build([.. args], configure);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            // A start refused (options out of range, say) leaves nothing behind.
            await app.DisposeAsync();
            if (ownsData)
            {
                Directory.Delete(dataPath, recursive: true);
            }
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningServer(app, new Uri(address.EndsWith('/') ? address : address + "/"), dataPath, ownsData);
    }

    /// <summary>Stops the app (connections get 1001) and keeps the data folder.</summary>
    public async Task StopAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync();
        }
        catch (ObjectDisposedException)
        {
        }
        await App.DisposeAsync();
        if (OwnsData)
        {
            try
            {
                Directory.Delete(DataPath, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>A raw protocol client on a real <see cref="ClientWebSocket"/>, for tests that check frames exactly.</summary>
public sealed class RawClient : IAsyncDisposable
{
    private readonly byte[] buffer = new byte[1 << 20];

    private RawClient(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    public static async Task<RawClient> ConnectAsync(Uri uri, string? origin = null, CancellationToken cancellationToken = default)
    {
        var socket = new ClientWebSocket();
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }
        await socket.ConnectAsync(uri, cancellationToken);
        return new RawClient(socket);
    }

    /// <summary>The next text frame as JSON, or <c>null</c> when the server closed (see <see cref="ClientWebSocket.CloseStatus"/>).</summary>
    public async Task<JsonElement?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var count = 0;
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer.AsMemory(count), cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            count += result.Count;
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(buffer.AsMemory(0, count)).RootElement.Clone();
            }
        }
    }

    /// <summary>The next frame whose type is not <c>session.heartbeat</c>.</summary>
    public async Task<JsonElement> ReceiveFrameAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var frame = await ReceiveAsync(timeout) ?? throw new InvalidOperationException($"The server closed the connection: {Socket.CloseStatus} {Socket.CloseStatusDescription}");
            if (frame.GetProperty("type").GetString() != "session.heartbeat")
            {
                return frame;
            }
        }
    }

    public Task SendTextAsync(string text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }
        Socket.Dispose();
    }
}
