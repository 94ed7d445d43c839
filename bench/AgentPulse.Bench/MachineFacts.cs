using System.Globalization;
using System.Runtime.InteropServices;

namespace AgentPulse.Bench;

internal static class MachineFacts
{
    public static MachineInfo Read((ulong Soft, ulong Hard)? openFiles)
    {
        var memory = "unknown";
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kib = long.Parse(line["MemTotal:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
            memory = string.Create(CultureInfo.InvariantCulture, $"{kib / 1024.0 / 1024.0:F1} GiB");
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
        }
        var load = "unknown";
        try
        {
            load = string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return new MachineInfo(
            Environment.ProcessorCount,
            memory,
            RuntimeInformation.OSDescription,
            Environment.Version.ToString(),
            openFiles is { } l ? string.Create(CultureInfo.InvariantCulture, $"{l.Soft} (hard {l.Hard})") : "unknown",
            load);
    }
}
