using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentPulse.Client;
using AgentPulse.Testing;
using static AgentPulse.Redis.Tests.Collect;

namespace AgentPulse.Redis.Tests;

/// <summary>The cluster as real processes: nodes of the server on one Redis stream, and the load balancer in front.</summary>
public sealed class ClusterTests
{
    [Fact]
    public async Task ClientsOnDifferentNodes_SeeTheSameSeqs_ForEventsPublishedOnOneNode_AndAgentsOnAnother()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, TestRedis.Configuration);
        await using var onNode2 = await RawClient.ConnectAsync(cluster.Nodes[1].WebSocketUri());
        await using var onNode3 = await RawClient.ConnectAsync(cluster.Nodes[2].WebSocketUri());
        await onNode2.HandshakeAsync();
        await onNode3.HandshakeAsync();

        using var node2 = new HttpClient { BaseAddress = cluster.Nodes[1].BaseAddress };
        using var node1 = new HttpClient { BaseAddress = cluster.Nodes[0].BaseAddress };
        var published = await PostAsync(node2, "from-node-2");
        using var upload = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes("# Scale-out\n\nOne stream, many nodes.")) { Headers = { ContentType = new MediaTypeHeaderValue("text/markdown") } }, "files", "cluster.md" } };
        Assert.Equal(HttpStatusCode.Accepted, (await node1.PostAsync("api/documents", upload)).StatusCode);

        var onTwo = await UntilIndexedAsync(onNode2);
        var onThree = await UntilIndexedAsync(onNode3);
        Assert.Equal(onTwo, onThree);
        Assert.Equal(published, onTwo[0].Seq);
        Assert.Equal("agent.note", onTwo[0].Type);
        Assert.Equal("task.started", onTwo[1].Type);
        Assert.Equal(Range(onTwo[0].Seq, onTwo.Count), onTwo.Select(e => e.Seq).ToList());
    }

    [Fact]
    public async Task KillDashNine_ANodeWhileEventsFlowThroughTheLoadBalancer_EveryClientEndsWithEveryAcknowledgedSeq_OnceInOrder()
    {
        await using var cluster = await ClusterProcesses.StartAsync(3, TestRedis.Configuration);
        // Six clients through the load balancer, which deals them out round robin: two a node.
        var clients = new List<RecordingClient>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                clients.Add(await RecordingClient.StartAsync(cluster.WebSocketUri));
            }
            using var http = new HttpClient { BaseAddress = cluster.BalancerAddress, Timeout = WaitLimit };
            var acked = new List<long>();
            for (var i = 0; i < 300; i++)
            {
                if (i == 100)
                {
                    await cluster.Nodes[1].KillAsync();
                }
                acked.Add(await PostUntilAcknowledgedAsync(http, $"e{i}"));
            }

            Assert.Equal(Range(acked[0], 300), acked);
            foreach (var client in clients)
            {
                await client.UntilAsync(acked[^1]);
                Assert.Equal(acked, client.Seqs.Where(s => s >= acked[0]).ToList());
                Assert.Equal(client.Seqs.Distinct().Order(), client.Seqs);
                // Only the first connect's snapshot: every later connect was recovered.
                Assert.Equal(1, client.Resyncs);
            }
            // The killed node's clients came back through the load balancer, to the others.
            Assert.Equal(2, clients.Count(c => c.Reconnects > 0));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ThroughTheLoadBalancer_ThePageLoads_ItsOwnOriginConnectsToEveryNodeAndSearches_AForeignOriginOrHostIsRefused()
    {
        await using var cluster = await ClusterProcesses.StartAsync(2, TestRedis.Configuration);
        using var http = new HttpClient { BaseAddress = cluster.BalancerAddress, Timeout = WaitLimit };
        // The page is served by the load balancer's address; it keeps the Host, so every node sees that origin as its own.
        var origin = cluster.BalancerAddress.GetLeftPart(UriPartial.Authority);
        using (var page = await http.GetAsync(new Uri("/", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("_framework/blazor.webassembly", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Round robin: two upgrades in a row reach both nodes, and both welcome the page.
        for (var i = 0; i < 2; i++)
        {
            await using var page = await RawClient.ConnectAsync(cluster.WebSocketUri, origin);
            await page.HandshakeAsync(); // the welcome and the snapshot
        }
        using (var search = await SendAsync(http, HttpMethod.Post, "api/search", """{"query":"cluster"}""", origin))
        {
            Assert.Equal(HttpStatusCode.Accepted, search.StatusCode);
        }

        using (var foreignUpgrade = await Upgrade.SendAsync(http, headers: h => h.Add("Origin", "http://evil.example")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreignUpgrade.StatusCode);
        }
        using (var foreignSearch = await SendAsync(http, HttpMethod.Post, "api/search", """{"query":"cluster"}""", "http://evil.example"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreignSearch.StatusCode);
        }
        using (var foreignPublish = await SendAsync(http, HttpMethod.Post, "api/events", """{"type":"agent.note","source":"/publishers/evil"}""", "http://evil.example"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreignPublish.StatusCode);
        }
        // DNS rebinding: a page of another name that resolves here. The load balancer passes the Host on, the node refuses it.
        using (var rebound = await SendAsync(http, HttpMethod.Get, "api/documents", host: $"evil.example:{cluster.BalancerAddress.Port}"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, rebound.StatusCode);
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? json = null, string? origin = null, string? host = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        return await http.SendAsync(request);
    }

    private static async Task<long> PostAsync(HttpClient http, string id)
    {
        using var body = new StringContent($$$"""{"specversion":"1.0","id":"{{{id}}}","source":"/tests/cluster","type":"agent.note","data":{}}""", Encoding.UTF8, "application/cloudevents+json");
        using var response = await http.PostAsync("api/events", body);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("seq").GetInt64();
    }

    /// <summary>Posts until acknowledged: a POST the load balancer sent to the killed node fails, and is sent again with the same id (one seq).</summary>
    private static async Task<long> PostUntilAcknowledgedAsync(HttpClient http, string id)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await PostAsync(http, id);
            }
            catch (HttpRequestException) when (attempt < 50)
            {
            }
        }
    }

    private static async Task<List<(long Seq, string Type)>> UntilIndexedAsync(RawClient client)
    {
        var events = new List<(long, string)>();
        while (true)
        {
            var frame = await client.ReceiveFrameAsync(WaitLimit);
            if (frame.Type().StartsWith("session.", StringComparison.Ordinal))
            {
                continue;
            }
            events.Add((frame.Seq(), frame.Type()));
            if (frame.Type() == "document.indexed")
            {
                return events;
            }
        }
    }

    /// <summary>The .NET client as an app uses it, recording the seqs its subscriber sees, its resyncs and its reconnects.</summary>
    private sealed class RecordingClient : IAsyncDisposable
    {
        private readonly AgentPulseClient client;
        private readonly List<long> seqs = [];
        private readonly Lock gate = new();
        private TaskCompletionSource reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long target = long.MaxValue;
        private int resyncs;
        private int reconnects;

        private RecordingClient(Uri uri)
        {
            // Never gives up: a reconnect may first meet the killed node, before the load balancer takes it out.
            client = new AgentPulseClient(new AgentPulseClientOptions { Url = uri, ReconnectPolicy = new ExponentialBackoffReconnectPolicy { MaxAttempts = null } });
            client.Subscribe("agent.*", e =>
            {
                lock (gate)
                {
                    seqs.Add(e.Seq);
                    if (e.Seq >= target)
                    {
                        reached.TrySetResult();
                    }
                }
            });
            client.Resynced += _ => Interlocked.Increment(ref resyncs);
            client.StateChanged += s =>
            {
                if (s.State == ConnectionState.Reconnecting && s.Attempt == 1)
                {
                    Interlocked.Increment(ref reconnects);
                }
            };
        }

        public IReadOnlyList<long> Seqs
        {
            get
            {
                lock (gate)
                {
                    return [.. seqs];
                }
            }
        }

        public int Resyncs => Volatile.Read(ref resyncs);

        public int Reconnects => Volatile.Read(ref reconnects);

        public static async Task<RecordingClient> StartAsync(Uri uri)
        {
            var recording = new RecordingClient(uri);
            await recording.client.StartAsync().WaitAsync(WaitLimit);
            return recording;
        }

        public Task UntilAsync(long seq)
        {
            lock (gate)
            {
                target = seq;
                if (seqs.Count > 0 && seqs[^1] >= seq)
                {
                    return Task.CompletedTask;
                }
                reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }
        }

        public ValueTask DisposeAsync() => client.DisposeAsync();
    }
}
