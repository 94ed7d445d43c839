using System.Diagnostics;
using System.Text;

namespace AgentPulse.Testing;

/// <summary>
/// The real server as a process of its own (<c>dotnet AgentPulse.Server.dll</c>, by default from the
/// test's output), on 127.0.0.1 and an ephemeral port, so that a test can <c>kill -9</c> it, or run a
/// published server from a working directory of its choice.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly TaskCompletionSource<int> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process) => this.process = process;

    public int Port { get; private set; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public Uri WebSocketUri(string? query = null) =>
        new($"ws://127.0.0.1:{Port}/ws/agents{(string.IsNullOrEmpty(query) ? "" : "?" + query)}");

    /// <summary>What the process wrote, standard output and error together.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the server process; with <paramref name="waitUntilListening"/>, returns once it listens.
    /// <paramref name="appFolder"/> holds <c>AgentPulse.Server.dll</c> (default: the test's output, where the server's
    /// appsettings.json is); <paramref name="workingDirectory"/> is the process's (default: <paramref name="appFolder"/>);
    /// <paramref name="arguments"/> replace the quiet logging the tests use.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string dataPath, int port = 0, bool waitUntilListening = true, string? appFolder = null, string? workingDirectory = null, IReadOnlyList<string>? arguments = null)
    {
        var directory = appFolder ?? AppContext.BaseDirectory;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory ?? directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            Path.Combine(directory, "AgentPulse.Server.dll"),
            $"--urls=http://127.0.0.1:{port}",
            $"--DataPath={dataPath}",
        }.Concat(arguments ?? ["--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information"]))
        {
            start.ArgumentList.Add(argument);
        }
        var server = new ServerProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        server.process.OutputDataReceived += (_, e) => server.Received(e.Data);
        server.process.ErrorDataReceived += (_, e) => server.Received(e.Data);
        server.process.Exited += (_, _) => server.listening.TrySetException(new InvalidOperationException($"The server exited before it listened:\n{server.Output}"));
        server.process.Start();
        server.process.BeginOutputReadLine();
        server.process.BeginErrorReadLine();
        if (waitUntilListening)
        {
            try
            {
                server.Port = await server.listening.Task.WaitAsync(StartTimeout);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
        return server;
    }

    private void Received(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
        }
        const string Marker = "Now listening on: http://127.0.0.1:";
        var at = line.IndexOf(Marker, StringComparison.Ordinal);
        if (at >= 0 && int.TryParse(line.AsSpan(at + Marker.Length).TrimEnd('/'), out var port))
        {
            listening.TrySetResult(port);
        }
    }

    /// <summary><c>kill -9</c>: the process dies at once, with no chance to clean up.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as a service manager stops a server: the host stops gracefully and its console log is flushed.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync();
        await process.WaitForExitAsync().WaitAsync(timeout);
    }

    /// <summary>Waits for the process to end by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await process.WaitForExitAsync().WaitAsync(timeout);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            await KillAsync();
        }
        process.Dispose();
    }
}
