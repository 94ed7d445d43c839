using System.Diagnostics;
using System.Text;

namespace AgentPulse.EndToEnd.Tests;

/// <summary>
/// The server as <c>dotnet publish</c> makes it, once per test run: the folder named by
/// <c>AGENTPULSE_PUBLISHED</c> when set (a CI step may publish beforehand), otherwise a publish of
/// <c>src/AgentPulse.Server</c> in Release into a temporary folder.
/// </summary>
internal static class Published
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(12);
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? folder;

    /// <summary>The folder that holds the published <c>AgentPulse.Server.dll</c> and its <c>wwwroot</c>.</summary>
    public static async Task<string> FolderAsync()
    {
        if (Environment.GetEnvironmentVariable("AGENTPULSE_PUBLISHED") is { Length: > 0 } given)
        {
            return given;
        }
        await Gate.WaitAsync();
        try
        {
            return folder ??= await PublishAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<string> PublishAsync()
    {
        var root = RepositoryRoot();
        var output = Path.Combine(Path.GetTempPath(), "agentpulse-published", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "publish", Path.Combine(root, "src", "AgentPulse.Server", "AgentPulse.Server.csproj"), "-c", "Release", "-o", output, "-nologo" })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = new Process { StartInfo = start };
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(PublishTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({process.ExitCode}):\n{log}");
        }
        return output;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentPulse.slnx")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No AgentPulse.slnx above {AppContext.BaseDirectory}: set AGENTPULSE_PUBLISHED to a published server's folder.");
    }
}
