using System.Runtime.InteropServices;

namespace AgentPulse.Bench;

/// <summary>The open-file limit: each connection is a file descriptor in the load process and in the server.</summary>
internal static partial class Native
{
    private const int RlimitNofile = 7; // Linux

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, in RLimit limit);

    /// <summary>
    /// Raises the limit of open files to <paramref name="wanted"/> (soft and hard: raising the hard limit
    /// needs privilege, root or CAP_SYS_RESOURCE), or else the soft limit to the hard one. The server
    /// processes inherit it.
    /// </summary>
    /// <returns>The soft and hard limits after, or <c>null</c> when not on Linux or the call failed.</returns>
    public static (ulong Soft, ulong Hard)? RaiseOpenFileLimit(ulong wanted)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        try
        {
            if (getrlimit(RlimitNofile, out var limit) != 0)
            {
                return null;
            }
            if (limit.Max < wanted)
            {
                var raised = new RLimit { Current = wanted, Max = wanted };
                if (setrlimit(RlimitNofile, in raised) == 0)
                {
                    limit = raised;
                }
            }
            if (limit.Current < limit.Max)
            {
                var raised = new RLimit { Current = limit.Max, Max = limit.Max };
                if (setrlimit(RlimitNofile, in raised) == 0)
                {
                    limit = raised;
                }
            }
            return (limit.Current, limit.Max);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }
}
