using System.Globalization;

namespace AgentPulse.Web;

/// <summary>Numbers and times as a person reads them.</summary>
public static class Format
{
    /// <summary>"0 B", "512 B", "12.3 KB", "4.5 MB".</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.##} GB"),
    };

    /// <summary>"40 ms", "1.3 s", "12 s", "3 min 05 s".</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            duration = TimeSpan.Zero;
        }
        return duration.TotalSeconds switch
        {
            < 1 => string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(duration.TotalMilliseconds):0} ms"),
            < 10 => string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(duration.TotalSeconds * 10) / 10:0.0} s"),
            < 60 => string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(duration.TotalSeconds):0} s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMinutes} min {duration.Seconds:00} s"),
        };
    }

    /// <summary>A fraction 0..1 as a whole percentage, 0 to 100.</summary>
    public static int Percent(double fraction) =>
        double.IsNaN(fraction) ? 0 : (int)Math.Round(Math.Clamp(fraction, 0, 1) * 100, MidpointRounding.AwayFromZero);

    /// <summary>A time of day in the browser's time zone: "14:02:31"; with the date ("Nov 24, 14:02") when it is not today.</summary>
    public static string TimeOfDay(DateTimeOffset at, DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(at, TimeZoneInfo.Local);
        var today = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.Local).Date;
        return local.Date == today
            ? local.ToString("HH:mm:ss", CultureInfo.InvariantCulture)
            : local.ToString("MMM d, HH:mm", CultureInfo.InvariantCulture);
    }

    /// <summary>How long ago, as a person says it: "just now", "3 min ago", "2 h ago"; past a day, the date.</summary>
    public static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        var age = now - at;
        return age.TotalSeconds switch
        {
            < 45 => "just now",
            < 60 * 60 => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(1, (int)Math.Round(age.TotalMinutes))} min ago"),
            < 24 * 60 * 60 => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours} h ago"),
            _ => TimeZoneInfo.ConvertTime(at, TimeZoneInfo.Local).ToString("MMM d", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>"1 document", "12 documents".</summary>
    public static string Documents(int count) =>
        count == 1 ? "1 document" : string.Create(CultureInfo.InvariantCulture, $"{count} documents");

    /// <summary>"1 chunk", "12 chunks".</summary>
    public static string Chunks(int count) =>
        count == 1 ? "1 chunk" : string.Create(CultureInfo.InvariantCulture, $"{count} chunks");
}
