using System.Diagnostics;
using System.Text.Json;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Testing;

namespace AgentPulse.Server.Tests;

/// <summary>
/// The code example of the original request (a browser WebSocketManager that routes on
/// <c>JSON.parse(e.data).type</c>) runs unchanged against this server, in Node's standard WebSocket.
/// </summary>
public sealed class OriginalRequestTests
{
    [Fact]
    public async Task TheRequestsWebSocketManager_ReceivesEveryCatalogEvent_AndComesBackAfterADrop()
    {
        await using var server = await RunningServer.StartAsync();
        var script = Path.Combine(AppContext.BaseDirectory, "OriginalRequest", "websocket-manager.js");
        using var node = new NodeProcess(script, server.WebSocketUri().ToString());
        var publisher = server.Get<IEventPublisher>();
        await node.WaitForLineAsync(line => line == "[WebSocket] Connected");

        await publisher.PublishAsync(new TaskStarted("t1", "document.index", "Index notes.md", "indexer", "d1"), "/agents/indexer");
        await publisher.PublishAsync(new TaskProgress("t1", 0.5, "indexing", "chunk 1 of 2", 1, 2), "/agents/indexer");
        await publisher.PublishAsync(new TaskCompleted("t1", 12, null), "/agents/indexer");
        await publisher.PublishAsync(new DocumentIndexed("d1", "notes.md", "text/markdown", 10, 2, "t1"), "/agents/indexer");
        await publisher.PublishAsync(new TaskFailed("t2", new TaskError("cancelled", "Cancelled by you."), false), "/agents/searcher");
        await publisher.PublishAsync(new SearchCompleted("s1", "agents", 1, 3, [new SearchHit("d1", "notes.md", "<mark>agent</mark>", 1.2)], "t3"), "/agents/searcher");

        var types = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var line = await node.WaitForLineAsync(l => l.StartsWith("EVENT ", StringComparison.Ordinal));
            var json = JsonDocument.Parse(line["EVENT ".Length..]).RootElement;
            types.Add(json.GetProperty("type").GetString()!);
            Assert.Equal(i + 1, json.GetProperty("seq").GetInt64());
        }
        Assert.Equal(["task.started", "task.progress", "task.completed", "document.indexed", "task.failed", "search.completed"], types);
        Assert.Contains("SECOND t1", node.Lines);

        // Dropped by the server: the manager reconnects by itself and hears what comes next.
        var connections = server.Get<IAgentPulseConnections>();
        Assert.True(connections.Abort(Assert.Single(connections.ConnectionIds)));
        await node.WaitForLineAsync(line => line == "[WebSocket] Disconnected");
        await node.WaitForLineAsync(line => line == "[WebSocket] Connected");
        await publisher.PublishAsync(new TaskProgress("t9", 0.1, "indexing", null, null, null), "/agents/indexer");
        var after = await node.WaitForLineAsync(l => l.StartsWith("EVENT ", StringComparison.Ordinal));
        Assert.Equal(7, JsonDocument.Parse(after["EVENT ".Length..]).RootElement.GetProperty("seq").GetInt64());
    }

    /// <summary>node with the standard WebSocket, its output read line by line.</summary>
    private sealed class NodeProcess : IDisposable
    {
        private readonly Process process;
        private readonly System.Threading.Channels.Channel<string> lines = System.Threading.Channels.Channel.CreateUnbounded<string>();

        public NodeProcess(string script, string url)
        {
            var info = new ProcessStartInfo("node", ["--experimental-websocket", "--no-warnings", script, url])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            process = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    Lines.Add(line);
                    lines.Writer.TryWrite(line);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public System.Collections.Concurrent.ConcurrentBag<string> Lines { get; } = [];

        public async Task<string> WaitForLineAsync(Func<string, bool> match)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                var line = await lines.Reader.ReadAsync(timeout.Token);
                if (match(line))
                {
                    return line;
                }
            }
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            process.Dispose();
        }
    }
}
