using System.Globalization;

namespace AgentPulse.Bench;

/// <summary>CPU time of a process (user + system) from /proc/pid/stat: what a server spent, whatever else the machine was doing.</summary>
internal static class CpuTime
{
    // Linux reports utime and stime in clock ticks of USER_HZ, which is 100 on every mainstream kernel.
    private const double TicksPerSecond = 100;

    public static TimeSpan Of(int pid) => Read($"/proc/{pid}/stat");

    public static TimeSpan OfSelf() => Read("/proc/self/stat");

    private static TimeSpan Read(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            // Fields after the command name, which is in parentheses and may hold spaces.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name (0-based: 11, 12).
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            return TimeSpan.Zero;
        }
    }
}
