using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using Xunit.Sdk;

namespace AgentPulse.Redis.Tests;

/// <summary>
/// The Redis the tests share: <c>AGENTPULSE_TEST_REDIS</c> (host:port), which <c>./test.sh</c> starts and
/// sets. Missing, a test that needs it fails and says so: it never passes without a Redis.
/// </summary>
internal static class TestRedis
{
    public const string Variable = "AGENTPULSE_TEST_REDIS";

    public static string Configuration =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new XunitException($"{Variable} is not set: these tests need a real Redis. Run ./test.sh (it starts one), or start redis-server and set {Variable}=127.0.0.1:<port>.");

    /// <summary>A key prefix of the test's own, so that tests sharing the Redis never see each other's stream.</summary>
    public static string NewPrefix() => "test-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A connection of the test's own, to look at (or break) what the nodes keep.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(string? configuration = null) =>
        ConnectionMultiplexer.ConnectAsync(configuration ?? Configuration);

    /// <summary>A free TCP port on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// A redis-server of the test's own (never test.sh's shared one), stopped and started by its PID, for the
/// tests that take Redis away. Its data folder survives a stop, with an append-only file synced on every
/// write, unless the restart asks for an empty one.
/// </summary>
internal sealed class RedisServerProcess : IAsyncDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "agentpulse-tests", "redis-" + Guid.NewGuid().ToString("N")[..12]);
    private Process? process;

    private RedisServerProcess(int port) => Port = port;

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServerProcess> StartAsync()
    {
        var server = new RedisServerProcess(TestRedis.FreePort());
        Directory.CreateDirectory(server.directory);
        await server.LaunchAsync();
        return server;
    }

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", directory, "--save", "", "--appendonly", "yes", "--appendfsync", "always" })
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new XunitException($"redis-server could not be started ({ex.Message}): install it (./test.sh does, from apt).");
        }
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Ready when it answers; a start takes milliseconds, the bound is for a busy machine.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync($"{Configuration},connectTimeout=1000");
                await probe.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException) when (deadline.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
            {
            }
        }
    }

    /// <summary><c>kill -9</c> by PID: Redis is gone at once (what was acknowledged is in its append-only file).</summary>
    public async Task KillAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process?.Dispose();
        process = null;
    }

    /// <summary>Starts it again on the same port: with what it kept, or, with <paramref name="empty"/>, with nothing.</summary>
    public async Task RestartAsync(bool empty)
    {
        await KillAsync();
        if (empty)
        {
            Directory.Delete(directory, recursive: true);
            Directory.CreateDirectory(directory);
        }
        await LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
