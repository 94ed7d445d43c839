using System.Runtime.InteropServices;

namespace AgentPulse.AspNetCore.Internal;

/// <summary>The process's open-file limit, from <c>getrlimit(RLIMIT_NOFILE)</c> (the soft limit, which .NET raises to the hard one at start).</summary>
internal static class OpenFiles
{
    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit limit);

    /// <summary>The limit; <c>null</c> on Windows (no such limit), when unlimited, or when it cannot be read.</summary>
    public static long? Limit()
    {
        int resource;
        if (OperatingSystem.IsLinux())
        {
            resource = 7;
        }
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            resource = 8;
        }
        else
        {
            return null;
        }
        try
        {
            return getrlimit(resource, out var limit) == 0 && limit.Current < long.MaxValue ? (long)limit.Current : null;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }
}
