using System.Diagnostics;
using System.Globalization;
using AgentPulse.Bench;
using AgentPulse.Bench.Server;

// `AgentPulse.Bench [--quick] [--runs N]`: the load process, which starts the servers.
// `AgentPulse.Bench server --kind agentpulse|signalr --port N`: one server (started by the load process).
if (args.Length > 0 && args[0] == "server")
{
    var kind = ServerKind.AgentPulse;
    var port = 0;
    for (var i = 1; i + 1 < args.Length; i += 2)
    {
        switch (args[i])
        {
            case "--kind":
                kind = Enum.Parse<ServerKind>(args[i + 1], ignoreCase: true);
                break;
            case "--port":
                port = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                break;
        }
    }
    return await BenchServer.RunAsync(kind, port);
}

if (args.Contains("--micro"))
{
    return Micro.Run();
}

if (args.Contains("--profile"))
{
    using var profileStop = new CancellationTokenSource(TimeSpan.FromMinutes(12));
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        profileStop.Cancel();
    };
    AppDomain.CurrentDomain.ProcessExit += (_, _) => ServerProcess.KillAll();
    Native.RaiseOpenFileLimit();
    try
    {
        return await Profiling.RunAsync(args, profileStop.Token);
    }
    finally
    {
        ServerProcess.KillAll();
    }
}

BenchSettings settings;
try
{
    settings = BenchSettings.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

#if DEBUG
Console.WriteLine("warning: a Debug build; measure with -c Release.");
#endif

using var stop = new CancellationTokenSource(settings.Deadline);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Console.WriteLine("Stopping…");
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => ServerProcess.KillAll();

var limits = Native.RaiseOpenFileLimit();
var machine = MachineFacts.Read(limits);
var needed = settings.HeldConnections + 200;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"AgentPulse bench ({(settings.Quick ? "quick" : "full")}): {settings.Runs} runs per server, alternating. {machine.Cores} cores, {machine.Memory}, open files {machine.OpenFileLimit}, load {machine.Load}."));
if (limits is { } l && (ulong)needed > l.Soft)
{
    Console.WriteLine($"warning: {needed} open files are needed per process for {settings.HeldConnections} connections; the limit is {l.Soft} (raise it with `ulimit -n`).");
}

var started = DateTimeOffset.UtcNow;
var clock = Stopwatch.StartNew();
var runs = new List<RunResult>();
var clockCheck = "not checked";
try
{
    clockCheck = await ClockCheck.RunAsync(stop.Token);
    Console.WriteLine($"Clock: {clockCheck}");
    var runner = new Runner(settings, Console.Out);
    Console.WriteLine("  warming up the load process (not measured)");
    foreach (var kind in new[] { ServerKind.AgentPulse, ServerKind.SignalR })
    {
        await runner.WarmUpLoadProcessAsync(kind, stop.Token);
    }
    for (var run = 1; run <= settings.Runs; run++)
    {
        foreach (var kind in new[] { ServerKind.AgentPulse, ServerKind.SignalR })
        {
            Console.WriteLine($"  {kind} run {run}:");
            try
            {
                runs.Add(await runner.RunOnceAsync(kind, run, stop.Token));
            }
            catch (Exception ex) when (!stop.IsCancellationRequested && ex is not OutOfMemoryException)
            {
                Console.WriteLine($"    run failed: {ex.GetType().Name}: {ex.Message}");
                var failed = new RunResult(kind, run);
                failed.Notes.Add($"run failed: {ex.GetType().Name}: {ex.Message}");
                runs.Add(failed);
            }
        }
    }
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.WriteLine("Stopped (Ctrl+C or the deadline): reporting what was measured.");
}
finally
{
    ServerProcess.KillAll();
}

// Other work on the machine shows in the load average: say what it was at both ends.
machine = machine with { Load = $"{machine.Load} at start, {MachineFacts.Read(limits).Load} at end" };
var report = Report.Build(settings, runs, started, clock.Elapsed, clockCheck, machine);
var markdown = Report.Markdown(report);
Directory.CreateDirectory(settings.OutputDirectory);
await File.WriteAllTextAsync(Path.Combine(settings.OutputDirectory, "latest.md"), markdown);
await File.WriteAllTextAsync(Path.Combine(settings.OutputDirectory, "latest.json"), Report.Json(report));
Console.WriteLine();
Console.WriteLine(markdown);
Console.WriteLine($"Written to {Path.Combine(settings.OutputDirectory, "latest.md")} and latest.json.");
return 0;
