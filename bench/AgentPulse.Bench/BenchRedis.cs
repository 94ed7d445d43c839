using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AgentPulse.Bench;

/// <summary>A redis-server of the bench's own (<c>--redis</c>) on 127.0.0.1 and a free port, in memory only, killed by its PID at the end.</summary>
internal sealed class BenchRedis : IAsyncDisposable
{
    private readonly Process process;
    private readonly string directory;

    private BenchRedis(Process process, string directory, int port)
    {
        this.process = process;
        this.directory = directory;
        Configuration = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}");
    }

    public string Configuration { get; }

    public static async Task<BenchRedis> StartAsync()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var directory = Path.Combine(Path.GetTempPath(), "agentpulse-bench-redis", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--dir", directory, "--save", "", "--appendonly", "no" })
        {
            info.ArgumentList.Add(argument);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server could not be started: install it (apt-get install redis-server).");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Ready when it takes a connection; it starts in milliseconds.
        var until = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (Stopwatch.GetTimestamp() < until && !process.HasExited)
            {
                await Task.Delay(20);
            }
        }
        return new BenchRedis(process, directory, port);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
