using System.Globalization;

namespace AgentPulse.Server;

/// <summary>Amounts as a message for a person says them: "50 MB", "2 minutes".</summary>
internal static class Describe
{
    public static string Size(long bytes) =>
        bytes >= 1024 * 1024 ? Format($"{bytes / (1024.0 * 1024.0):0.#} MB")
        : bytes >= 1024 ? Format($"{bytes / 1024.0:0.#} KB")
        : Format($"{bytes} bytes");

    public static string Duration(TimeSpan duration) =>
        duration >= TimeSpan.FromMinutes(1) && duration.Ticks % TimeSpan.TicksPerMinute == 0 ? Count((long)duration.TotalMinutes, "minute")
        : duration >= TimeSpan.FromSeconds(1) ? Format($"{duration.TotalSeconds:0.#} seconds")
        : Format($"{duration.TotalMilliseconds:0.###} ms");

    private static string Count(long count, string unit) => Format($"{count} {unit}{(count == 1 ? "" : "s")}");

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
