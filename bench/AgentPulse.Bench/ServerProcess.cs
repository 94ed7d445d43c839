using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using AgentPulse.Bench.Server;

namespace AgentPulse.Bench;

/// <summary>
/// A server started by the bench as a process of its own on 127.0.0.1 and an ephemeral port.
/// Every one started is killed by pid on dispose, and at exit or Ctrl+C whatever happens.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly Process process;

    private ServerProcess(ServerKind kind, Process process, Uri baseAddress)
    {
        Kind = kind;
        this.process = process;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    public ServerKind Kind { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public int Pid => process.Id;

    public static async Task<ServerProcess> StartAsync(ServerKind kind, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // Run this same executable in server mode (the apphost, or `dotnet AgentPulse.Bench.dll`).
        var self = Environment.ProcessPath ?? "dotnet";
        info.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ServerProcess).Assembly.Location);
        }
        info.ArgumentList.Add("server");
        info.ArgumentList.Add("--kind");
        info.ArgumentList.Add(kind.ToString().ToLowerInvariant());
        info.ArgumentList.Add("--port");
        info.ArgumentList.Add("0");

        // Runtime settings for the servers only (both kinds), to try a configuration: "DOTNET_gcServer=0;DOTNET_GCgen0size=4000000".
        foreach (var pair in (Environment.GetEnvironmentVariable("BENCH_SERVER_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                info.Environment[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
            }
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the server process.");
        Running[process.Id] = process;
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith(BenchServer.ListeningLine, StringComparison.Ordinal) == true)
            {
                listening.TrySetResult(e.Data[BenchServer.ListeningLine.Length..].Trim());
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrWhiteSpace(e.Data))
            {
                Console.Error.WriteLine($"  [{kind} server {process.Id}] {e.Data}");
            }
        };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"The {kind} server exited with {process.ExitCode} before it listened."));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return new ServerProcess(kind, process, new Uri(address.EndsWith('/') ? address : address + "/"));
        }
        catch
        {
            Kill(process);
            throw;
        }
    }

    /// <summary>The resident set of the server process, from /proc/pid/status (VmRSS), in KiB.</summary>
    public long ReadRssKib()
    {
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException("No VmRSS in /proc/pid/status.");
    }

    /// <summary>The CPU time the server process has used (user + system), from /proc/pid/stat.</summary>
    public TimeSpan ReadCpuTime() => CpuTime.Of(process.Id);

    public async Task<PublishReply> PublishAsync(int phase, int count, int rate, CancellationToken cancellationToken)
    {
        using var response = await Http.PostAsync(
            string.Create(CultureInfo.InvariantCulture, $"bench/publish?phase={phase}&count={count}&rate={rate}"), null, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(BenchJsonContext.Default.PublishReply, cancellationToken))!;
    }

    public async Task<long> ConnectionCountAsync(CancellationToken cancellationToken) =>
        (await Http.GetFromJsonAsync("bench/connections", BenchJsonContext.Default.CountReply, cancellationToken))!.Count;

    /// <summary>A full, compacting GC in the server.</summary>
    /// <returns>The server's managed heap after it, in bytes.</returns>
    public async Task<long> CollectGarbageAsync(CancellationToken cancellationToken)
    {
        using var response = await Http.PostAsync("bench/gc", null, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(BenchJsonContext.Default.CountReply, cancellationToken))!.Count;
    }

    public async Task<ClockReply> ClockAsync(CancellationToken cancellationToken) =>
        (await Http.GetFromJsonAsync("bench/clock", BenchJsonContext.Default.ClockReply, cancellationToken))!;

    public ValueTask DisposeAsync()
    {
        Http.Dispose();
        Kill(process);
        return ValueTask.CompletedTask;
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
        Running.TryRemove(process.Id, out _);
        process.Dispose();
    }

    /// <summary>Kills every server still running (exit, Ctrl+C).</summary>
    public static void KillAll()
    {
        foreach (var process in Running.Values)
        {
            Kill(process);
        }
    }
}
