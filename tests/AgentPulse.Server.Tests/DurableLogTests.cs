using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentPulse.AspNetCore;
using AgentPulse.Server.Tasks;
using AgentPulse.Sqlite.Internal;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.Server.Tests;

/// <summary>The server's default log is durable: events survive a restart and a <c>kill -9</c>.</summary>
public sealed class DurableLogTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string dataPath = Path.Combine(Path.GetTempPath(), "agentpulse-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(dataPath, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static StringContent Note(string id) =>
        new($$$"""{"specversion":"1.0","id":"{{{id}}}","source":"/tests/crash","type":"agent.note","data":{"id":"{{{id}}}"}}""", Encoding.UTF8, "application/cloudevents+json");

    [Fact]
    public async Task KillDashNine_MidStream_TheClientResumesWithEveryAcknowledgedEvent_InOrder_Once()
    {
        var first = await ServerProcess.StartAsync(dataPath);
        var port = first.Port;
        var serverBack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var killNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var recorder = new ResumingRecorder(port, serverBack.Task);
        await recorder.ConnectedAsync.WaitAsync(Timeout);

        // The publisher POSTs one event after another; what fails on the crash is retried once the server is back.
        var acked = new Dictionary<string, long>();
        var publishing = Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = Timeout };
            var unacknowledged = new List<string>();
            var next = 0;
            while (unacknowledged.Count == 0)
            {
                var id = $"e{next++}";
                try
                {
                    acked[id] = await PostAsync(http, id);
                }
                catch (HttpRequestException)
                {
                    unacknowledged.Add(id);
                }
                if (acked.Count == 150)
                {
                    killNow.TrySetResult();
                }
            }
            await serverBack.Task;
            foreach (var id in unacknowledged)
            {
                acked[id] = await PostAsync(http, id);
            }
            for (var i = 0; i < 20; i++, next++)
            {
                acked[$"e{next}"] = await PostAsync(http, $"e{next}");
            }
        });

        await killNow.Task.WaitAsync(Timeout);
        await first.KillAsync();
        await using var second = await ServerProcess.StartAsync(dataPath, port);
        serverBack.SetResult();
        await publishing.WaitAsync(Timeout);

        var lastSeq = acked.Values.Max();
        var received = await recorder.WaitForSeqAsync(lastSeq).WaitAsync(Timeout);
        Assert.True(recorder.ResumedRecovered, "The resume after the crash was not recovered.");
        // Every seq once, in order; every acknowledged event among them with the seq its 202 gave; nothing else.
        Assert.Equal(Enumerable.Range(1, (int)lastSeq).Select(s => (long)s), received.Select(r => r.Seq));
        Assert.Equal(acked.OrderBy(a => a.Value).Select(a => (a.Value, a.Key)), received.Select(r => (r.Seq, r.Id)));
        Assert.Equal(acked.Count, received.Select(r => r.Id).Distinct().Count());
    }

    private static async Task<long> PostAsync(HttpClient http, string id)
    {
        using var response = await http.PostAsync(new Uri("api/events", UriKind.Relative), Note(id));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, body.GetProperty("id").GetString());
        return body.GetProperty("seq").GetInt64();
    }

    [Fact]
    public async Task DamagedEventLog_FailsTheStart_WithAMessageThatNamesTheFile_AndLeavesItAsItWas()
    {
        Directory.CreateDirectory(dataPath);
        var file = Path.Combine(dataPath, "events.db");
        var garbage = RandomNumberGenerator.GetBytes(16384);
        await File.WriteAllBytesAsync(file, garbage);

        await using var server = await ServerProcess.StartAsync(dataPath, waitUntilListening: false);
        var exitCode = await server.WaitForExitAsync(Timeout);

        Assert.Equal(1, exitCode);
        Assert.Contains($"The event log {file} could not be opened", server.Output, StringComparison.Ordinal);
        Assert.Contains("move it aside", server.Output, StringComparison.Ordinal);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task ClientAwayAcrossARestart_ResumesRecovered_WithTheEventsItMissed_TheInterruptionIncluded()
    {
        // A task under way when the server stops: held at its first checkpoint.
        var gate = new TaskGate { Holds = c => c.Kind == "document.index" };
        var first = await RunningServer.StartAsync(dataPath: dataPath, configure: b => b.Services.AddSingleton<ITaskCheckpoints>(gate));
        string epoch, taskId;
        long seenUpTo;
        try
        {
            using var http = first.CreateHttpClient();
            await using (var client = await RawClient.ConnectAsync(first.WebSocketUri()))
            {
                epoch = (await client.ReceiveFrameAsync()).GetProperty("data").GetProperty("epoch").GetString()!;
                await client.ReceiveFrameAsync(); // snapshot
                taskId = Assert.Single(await http.UploadAsync(("notes.txt", Fixtures.Utf8("Night shift notes."))))!.Str("taskId");
                var started = await client.ReceiveFrameAsync();
                Assert.Equal("task.started", started.Type());
                seenUpTo = started.GetProperty("seq").GetInt64();
            }
            await gate.WaitForHeldAsync(1);
            // Published while the client is away.
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync(new Uri("api/events", UriKind.Relative), Note("away-1"))).StatusCode);
        }
        finally
        {
            await first.StopAsync();
        }

        await using var second = await RunningServer.StartAsync(port: first.Port, dataPath: dataPath);
        await using var resumed = await RawClient.ConnectAsync(second.WebSocketUri($"after={seenUpTo}&epoch={epoch}"));
        var welcome = (await resumed.ReceiveFrameAsync()).Data();
        Assert.True(welcome.GetProperty("recovered").GetBoolean());
        Assert.Equal(epoch, welcome.Str("epoch"));
        var missed = new List<JsonElement>();
        while (missed.Count == 0 || missed[^1].GetProperty("seq").GetInt64() < welcome.GetProperty("seq").GetInt64())
        {
            missed.Add(await resumed.ReceiveFrameAsync());
        }
        Assert.Equal(Enumerable.Range((int)seenUpTo + 1, missed.Count).Select(s => (long)s), missed.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Contains(missed, e => e.Type() == "agent.note" && e.Str("id") == "away-1");
        var interrupted = Assert.Single(missed, e => e.Type() == "task.failed");
        Assert.Equal(taskId, interrupted.Data().Str("taskId"));
        Assert.Equal("interrupted by a server restart", interrupted.Data().GetProperty("error").Str("message"));
    }

    [Fact]
    public async Task FullDisk_AnswersThePublisherWith503_KeepsServingConnections_AndLosesNothingAcknowledged()
    {
        long acknowledged;
        await using (var server = await RunningServer.StartAsync(dataPath: dataPath))
        {
            using var http = server.CreateHttpClient();
            await using var client = await RawClient.ConnectAsync(server.WebSocketUri());
            await client.ReceiveFrameAsync(); // welcome
            await client.ReceiveFrameAsync(); // snapshot
            acknowledged = await PostAsync(http, "before-1");
            Assert.Equal(acknowledged, (await client.ReceiveFrameAsync()).GetProperty("seq").GetInt64());

            var log = (SqliteEventLog)server.Get<IEventLog>();
            await log.RunOnWriterAsync(c =>
            {
                using var command = c.CreateCommand();
                command.CommandText = "PRAGMA max_page_count = 1";
                command.ExecuteNonQuery();
            });
            // A batch that needs new pages of the file.
            var batch = "[" + string.Join(",", Enumerable.Range(0, 20).Select(i => $$"""{"id":"during-{{i}}","source":"/tests","type":"agent.note","data":"{{new string('x', 4000)}}"}""")) + "]";
            using var refused = await http.PostAsync(new Uri("api/events", UriKind.Relative), new StringContent(batch, Encoding.UTF8, "application/cloudevents-batch+json"));

            var problem = await Api.ProblemAsync(refused, HttpStatusCode.ServiceUnavailable);
            Assert.Contains("nothing of this publish was kept", problem.Str("detail"), StringComparison.Ordinal);
            Assert.Equal("1", refused.Headers.RetryAfter?.ToString());
            await client.SendTextAsync("""{"op":"ping","id":"p"}""");
            Assert.Equal("session.pong", (await client.ReceiveFrameAsync()).Type());
        }

        await using var restarted = await RunningServer.StartAsync(dataPath: dataPath);
        await using var resumed = await RawClient.ConnectAsync(restarted.WebSocketUri("after=0"));
        var welcome = (await resumed.ReceiveFrameAsync()).Data();
        Assert.Equal(acknowledged, welcome.GetProperty("seq").GetInt64());
        Assert.Equal("before-1", (await resumed.ReceiveFrameAsync()).Str("id"));
    }

    /// <summary>A raw client that records every event, and after its connection drops resumes (once the server is back) with after and epoch.</summary>
    private sealed class ResumingRecorder : IAsyncDisposable
    {
        private readonly int port;
        private readonly Task serverBack;
        private readonly CancellationTokenSource stop = new();
        private readonly Lock gate = new();
        private readonly List<(long Seq, string Id)> received = [];
        private readonly List<(long Seq, TaskCompletionSource Reached)> waiters = [];
        private readonly TaskCompletionSource connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task loop;

        public ResumingRecorder(int port, Task serverBack)
        {
            this.port = port;
            this.serverBack = serverBack;
            loop = Task.Run(RunAsync);
        }

        public Task ConnectedAsync => connected.Task;

        public bool ResumedRecovered { get; private set; }

        public async Task<List<(long Seq, string Id)>> WaitForSeqAsync(long seq)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (gate)
            {
                if (received.Count > 0 && received[^1].Seq >= seq)
                {
                    return [.. received];
                }
                waiters.Add((seq, reached));
            }
            await reached.Task;
            lock (gate)
            {
                return [.. received];
            }
        }

        private async Task RunAsync()
        {
            string? epoch = null;
            long last = 0;
            for (var attempt = 0; attempt < 2 && !stop.IsCancellationRequested; attempt++)
            {
                var query = epoch is null ? null : $"after={last}&epoch={epoch}";
                using var socket = new ClientWebSocket();
                await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws/agents{(query is null ? "" : "?" + query)}"), stop.Token);
                var buffer = new byte[64 * 1024];
                try
                {
                    while (await ReceiveAsync(socket, buffer) is { } frame)
                    {
                        var type = frame.GetProperty("type").GetString();
                        if (type == "session.welcome")
                        {
                            epoch = frame.GetProperty("data").GetProperty("epoch").GetString();
                            if (attempt == 1)
                            {
                                ResumedRecovered = frame.GetProperty("data").GetProperty("recovered").GetBoolean();
                            }
                            connected.TrySetResult();
                        }
                        else if (type?.StartsWith("session.", StringComparison.Ordinal) == false)
                        {
                            last = frame.GetProperty("seq").GetInt64();
                            Record(last, frame.GetProperty("id").GetString()!);
                        }
                    }
                }
                catch (WebSocketException)
                {
                    // kill -9: the connection is gone without a close frame.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                await serverBack;
            }
        }

        private async Task<JsonElement?> ReceiveAsync(ClientWebSocket socket, byte[] buffer)
        {
            var count = 0;
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(count), stop.Token);
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

        private void Record(long seq, string id)
        {
            lock (gate)
            {
                received.Add((seq, id));
                foreach (var waiter in waiters.Where(w => w.Seq <= seq).ToList())
                {
                    waiters.Remove(waiter);
                    waiter.Reached.TrySetResult();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            try
            {
                await loop;
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
            }
            stop.Dispose();
        }
    }
}
