using System.Diagnostics;
using System.Net;

namespace AgentPulse.Bench.Storm;

/// <summary>The real AgentPulse.Server as a process of its own on 127.0.0.1 and a free port, killed by its PID at the end.</summary>
internal sealed class ServerUnderTest : IAsyncDisposable
{
    private readonly Process process;
    private readonly string dataPath;

    private ServerUnderTest(Process process, string dataPath, IPEndPoint endPoint)
    {
        this.process = process;
        this.dataPath = dataPath;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public static async Task<ServerUnderTest> StartAsync(IEnumerable<string> settings)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "agentpulse-bench-storm", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataPath);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "AgentPulse.Server.dll"),
            "--urls=http://127.0.0.1:0",
            $"--DataPath={dataPath}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
        }.Concat(settings))
        {
            start.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        const string Marker = "Now listening on: http://127.0.0.1:";
        void Received(string? line)
        {
            var at = line?.IndexOf(Marker, StringComparison.Ordinal) ?? -1;
            if (at >= 0 && int.TryParse(line.AsSpan(at + Marker.Length).TrimEnd('/'), out var port))
            {
                listening.TrySetResult(port);
            }
        }
        process.OutputDataReceived += (_, e) => Received(e.Data);
        process.ErrorDataReceived += (_, e) => Received(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The server exited before it listened."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(90));
        return new ServerUnderTest(process, dataPath, new IPEndPoint(IPAddress.Loopback, port));
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
            Directory.Delete(dataPath, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
