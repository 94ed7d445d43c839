using System.Globalization;
using System.Runtime.InteropServices;

namespace AgentPulse.Bench;

internal static class MachineFacts
{
    /// <summary>MemAvailable of /proc/meminfo, in MiB (long.MaxValue when unknown).</summary>
    public static long AvailableMemoryMib() => ReadKib("/proc/meminfo", "MemAvailable:") is { } kib ? kib / 1024 : long.MaxValue;

    /// <summary>The load process's own VmRSS, in MiB.</summary>
    public static double SelfRssMib() => (ReadKib("/proc/self/status", "VmRSS:") ?? 0) / 1024.0;

    private static long? ReadKib(string path, string key)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    return long.Parse(line[key.Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
        }
        return null;
    }

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
