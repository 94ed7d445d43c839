using System.Diagnostics;
using System.Globalization;
using AgentPulse.Bench;
using AgentPulse.Bench.Server;

// `AgentPulse.Bench [--quick] [options]`: the load process, which starts the servers.
// `AgentPulse.Bench server --kind agentpulse|signalr|raw -- HOST-ARGS`: one server (started by the load process).
if (args.Length > 0 && args[0] == "server")
{
    var kind = ServerKind.AgentPulse;
    var separator = Array.IndexOf(args, "--");
    for (var i = 1; i + 1 < (separator < 0 ? args.Length : separator); i += 2)
    {
        if (args[i] == "--kind")
        {
            kind = Enum.Parse<ServerKind>(args[i + 1], ignoreCase: true);
        }
    }
    return await BenchServer.RunAsync(kind, separator < 0 ? [] : args[(separator + 1)..]);
}

if (args.Contains("--micro"))
{
    return Micro.Run();
}

if (args.Contains("--micro-filter"))
{
    return MicroFilter.Run(args);
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
    Native.RaiseOpenFileLimit(40_000);
    try
    {
        return await Profiling.RunAsync(args, profileStop.Token);
    }
    catch (ArgumentException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 2;
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

var log = new Transcript(Console.Out);

#if DEBUG
log.WriteLine("warning: a Debug build; measure with -c Release.");
#endif

using var stop = new CancellationTokenSource(settings.Deadline);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    log.WriteLine("Stopping…");
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => ServerProcess.KillAll();

// Each connection is a file in the load process and in the server (which inherits the limit).
var needed = (ulong)Math.Max(settings.RssConnections, settings.ScaleConnections) + 20_000;
var limits = Native.RaiseOpenFileLimit(needed);
settings = settings.WithinOpenFileLimit(limits?.Soft);
var machine = MachineFacts.Read(limits);
var command = "dotnet run --project bench/AgentPulse.Bench -c Release" + (args.Length > 0 ? " -- " + string.Join(' ', args) : "");
log.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"AgentPulse bench ({(settings.Quick ? "quick" : "full")}): {settings.Runs} runs per column ({string.Join(", ", settings.Columns.Select(c => c.Name))}), servers on {settings.Gc.Name()}. {machine.Cores} cores, {machine.Memory}, open files {machine.OpenFileLimit}, load {machine.Load}."));
if (settings.ScaleLimit is { } scaleLimit)
{
    log.WriteLine($"warning: {scaleLimit}.");
}

var started = DateTimeOffset.UtcNow;
var clock = Stopwatch.StartNew();
var runs = new List<RunResult>();
var clockCheck = "not checked";
var runner = new Runner(settings, log);

async Task RunAsync(string label, Func<Task<RunResult>> run, Column column, int number, string section)
{
    log.WriteLine($"  {label}:");
    try
    {
        runs.Add(await run());
    }
    catch (Exception ex) when (!stop.IsCancellationRequested && ex is not OutOfMemoryException)
    {
        log.WriteLine($"    run failed: {ex.GetType().Name}: {ex.Message}");
        var failed = new RunResult(column, number, section);
        failed.Notes.Add($"run failed: {ex.GetType().Name}: {ex.Message}");
        runs.Add(failed);
    }
}

try
{
    clockCheck = await ClockCheck.RunAsync(settings.Columns[0], settings.Gc, stop.Token);
    log.WriteLine($"Clock: {clockCheck}");
    log.WriteLine("  warming up the load process (not measured)");
    foreach (var column in settings.Columns)
    {
        await runner.WarmUpLoadProcessAsync(column, settings.Gc, stop.Token);
    }
    for (var run = 1; run <= settings.Runs; run++)
    {
        foreach (var column in settings.Columns)
        {
            var number = run;
            await RunAsync($"{column.Name} run {run}", () => runner.RunOnceAsync(column, number, Sections.Main, settings.Gc, everything: true, stop.Token), column, run, Sections.Main);
        }
    }
    if (settings.CompareGc)
    {
        var other = settings.Gc.Other();
        for (var run = 1; run <= settings.GcRuns; run++)
        {
            foreach (var column in settings.Columns)
            {
                var number = run;
                await RunAsync($"{column.Name} on {other.Name()}, run {run}", () => runner.RunOnceAsync(column, number, Sections.Gc, other, everything: false, stop.Token), column, run, Sections.Gc);
            }
        }
    }
    if (settings.ScaleConnections > 0)
    {
        var scale = new Scale(settings, runner, log);
        foreach (var column in settings.Columns)
        {
            await RunAsync(string.Create(CultureInfo.InvariantCulture, $"{column.Name}, {settings.ScaleConnections:N0} idle connections"), () => scale.RunAsync(column, settings.Gc, stop.Token), column, 1, Sections.Scale);
        }
    }
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    log.WriteLine("Stopped (Ctrl+C or the deadline): reporting what was measured.");
}
finally
{
    ServerProcess.KillAll();
}

// Other work on the machine shows in the load average: say what it was at both ends.
machine = machine with { Load = $"{machine.Load} at start, {MachineFacts.Read(limits).Load} at end" };
var report = Report.Build(settings, command, runs, started, clock.Elapsed, clockCheck, machine);
var markdown = Report.Markdown(report);
Directory.CreateDirectory(settings.OutputDirectory);
await File.WriteAllTextAsync(Path.Combine(settings.OutputDirectory, "latest.md"), markdown);
await File.WriteAllTextAsync(Path.Combine(settings.OutputDirectory, "latest.json"), Report.Json(report));
await File.WriteAllTextAsync(Path.Combine(settings.OutputDirectory, "latest.log"), log.ToString());
Console.WriteLine();
Console.WriteLine(markdown);
Console.WriteLine($"Written to {Path.Combine(settings.OutputDirectory, "latest.md")}, latest.json and latest.log (the progress lines).");
return 0;
