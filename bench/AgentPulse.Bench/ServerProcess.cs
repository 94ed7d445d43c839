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

    private readonly string? dataPath;

    private ServerProcess(Column column, Process process, Uri baseAddress, string? dataPath)
    {
        Column = column;
        this.process = process;
        this.dataPath = dataPath;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    public Column Column { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>Runtime settings for the servers only, to try a configuration: <c>BENCH_SERVER_ENV="DOTNET_GCgen0size=4000000;…"</c>. The report names them.</summary>
    public static string ExtraEnvironment => Environment.GetEnvironmentVariable("BENCH_SERVER_ENV") ?? "";

    /// <summary>Starts the column's server with the given GC, and waits until it listens.</summary>
    public static async Task<ServerProcess> StartAsync(Column column, GcMode gc, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
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
        info.ArgumentList.Add(column.Kind.ToString().ToLowerInvariant());
        info.ArgumentList.Add("--");
        // The host: a free port on loopback, and appsettings.json of AgentPulse.Server (copied beside
        // the bench) for every kind, so that all log at the same levels.
        info.ArgumentList.Add("--urls=http://127.0.0.1:0");
        info.ArgumentList.Add($"--contentRoot={AppContext.BaseDirectory}");
        string? dataPath = null;
        if (column.Kind == ServerKind.AgentPulse)
        {
            dataPath = Path.Combine(Path.GetTempPath(), "agentpulse-bench", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dataPath);
            info.ArgumentList.Add($"--DataPath={dataPath}");
            // The load comes from one address, and the scale phase opens as many connections as the open
            // files allow (the bench keeps 2,000 spare): the caps a deployment that expects this load sets.
            info.ArgumentList.Add($"--AgentPulse:MaxConnections={int.MaxValue}");
            info.ArgumentList.Add($"--AgentPulse:MaxConnectionsPerIp={int.MaxValue}");
        }
        foreach (var arg in column.ServerArgs)
        {
            info.ArgumentList.Add(arg);
        }

        // Every server gets its GC from here, whatever its runtimeconfig.json says (the environment wins).
        info.Environment["DOTNET_gcServer"] = gc == GcMode.Server ? "1" : "0";
        foreach (var pair in ExtraEnvironment.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                info.Environment[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
            }
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the server process.");
        Running[process.Id] = process;
        var name = column.Name;
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
                Console.Error.WriteLine($"  [{name} server {process.Id}] {e.Data}");
            }
        };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"The {name} server exited with {process.ExitCode} before it listened."));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return new ServerProcess(column, process, new Uri(address.EndsWith('/') ? address : address + "/"), dataPath);
        }
        catch
        {
            Kill(process);
            DeleteData(dataPath);
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

    /// <summary>Polls the server's connection count until <paramref name="done"/> says so, at most <paramref name="timeout"/>.</summary>
    /// <returns>The last count read, and whether it was done.</returns>
    public async Task<(long Count, bool Done)> WaitForConnectionsAsync(Func<long, bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var count = await ConnectionCountAsync(cancellationToken);
            if (done(count))
            {
                return (count, true);
            }
            if (Stopwatch.GetTimestamp() > until)
            {
                return (count, false);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
        }
    }

    public async Task<ServerInfo> InfoAsync(CancellationToken cancellationToken) =>
        (await Http.GetFromJsonAsync("bench/info", BenchJsonContext.Default.ServerInfo, cancellationToken))!;

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
        DeleteData(dataPath);
        return ValueTask.CompletedTask;
    }

    private static void DeleteData(string? path)
    {
        try
        {
            if (path is not null && Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temporary folder; the OS cleans it up.
        }
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
