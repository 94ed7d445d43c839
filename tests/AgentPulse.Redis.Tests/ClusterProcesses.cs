using System.Diagnostics;
using System.Text;
using AgentPulse.Testing;

namespace AgentPulse.Redis.Tests;

/// <summary>
/// The reference cluster as real processes, as deploy/cluster/run.sh starts it: nodes of AgentPulse.Server on
/// one Redis stream (node 1 runs the agents, the others only stream), and AgentPulse.LoadBalancer in front.
/// Each on 127.0.0.1 and a port of its own; every process is killed by its PID at the end.
/// </summary>
internal sealed class ClusterProcesses : IAsyncDisposable
{
    private readonly string dataPath = Path.Combine(Path.GetTempPath(), "agentpulse-tests", "cluster-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<ServerProcess> nodes = [];
    private Process? balancer;
    private readonly StringBuilder balancerOutput = new();

    public IReadOnlyList<ServerProcess> Nodes => nodes;

    public Uri BalancerAddress { get; private set; } = null!;

    public Uri WebSocketUri => new($"ws://127.0.0.1:{BalancerAddress.Port}/ws/agents");

    public static async Task<ClusterProcesses> StartAsync(int nodeCount, string redisConfiguration, IDictionary<string, string?>? settings = null)
    {
        var cluster = new ClusterProcesses();
        try
        {
            var prefix = TestRedis.NewPrefix();
            var starting = Enumerable.Range(1, nodeCount).Select(i =>
            {
                var nodeSettings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
                {
                    ["AgentPulse:Redis:Configuration"] = redisConfiguration,
                    ["AgentPulse:Redis:KeyPrefix"] = prefix,
                    ["Agents:Enabled"] = i == 1 ? "true" : "false",
                };
                return ServerProcess.StartAsync(Path.Combine(cluster.dataPath, $"node{i}"), settings: nodeSettings);
            }).ToList();
            cluster.nodes.AddRange(await Task.WhenAll(starting));
            await cluster.StartBalancerAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartBalancerAsync()
    {
        var port = TestRedis.FreePort();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AgentPulse.LoadBalancer.dll"));
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        start.ArgumentList.Add($"--LoadBalancer:Agents={nodes[0].BaseAddress}");
        for (var i = 0; i < nodes.Count; i++)
        {
            start.ArgumentList.Add($"--LoadBalancer:Nodes:{i}={nodes[i].BaseAddress}");
        }
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        balancer = new Process { StartInfo = start, EnableRaisingEvents = true };
        void Received(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (balancerOutput)
            {
                balancerOutput.AppendLine(line);
            }
            if (line.Contains("Now listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        }
        balancer.OutputDataReceived += (_, e) => Received(e.Data);
        balancer.ErrorDataReceived += (_, e) => Received(e.Data);
        balancer.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"The load balancer exited:\n{balancerOutput}"));
        balancer.Start();
        balancer.BeginOutputReadLine();
        balancer.BeginErrorReadLine();
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(90));
        BalancerAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public async ValueTask DisposeAsync()
    {
        if (balancer is not null)
        {
            if (!balancer.HasExited)
            {
                balancer.Kill();
                await balancer.WaitForExitAsync();
            }
            balancer.Dispose();
        }
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }
        try
        {
            Directory.Delete(dataPath, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
