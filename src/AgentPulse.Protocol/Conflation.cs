using System.Globalization;

namespace AgentPulse.Protocol;

/// <summary>
/// Conflation, an opt-in of the connect URL: <c>conflate=task.progress:10</c> asks the server to send at most
/// 10 <c>task.progress</c> events a second per <c>taskId</c>, the latest of each interval. The first and the
/// last progress of each stage of a task and every other event are always sent, in seq order; the seqs of the
/// progress events left out are skipped. A connection's seqs have gaps anyway (its type filter): a client
/// resumes from the last seq it received, and a resume is as exact as without conflation.
/// </summary>
public static class Conflation
{
    /// <summary>The query parameter of the connect URL: <c>conflate</c>.</summary>
    public const string QueryParameter = "conflate";

    /// <summary>The fewest updates a second a connection may ask for: 1.</summary>
    public const int MinPerSecond = 1;

    /// <summary>The most updates a second a connection may ask for: 1000.</summary>
    public const int MaxPerSecond = 1000;

    /// <summary>The value of <see cref="QueryParameter"/> that asks for at most <paramref name="progressPerSecond"/> progress events a second per task: <c>task.progress:10</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="progressPerSecond"/> is not within <see cref="MinPerSecond"/>..<see cref="MaxPerSecond"/>.</exception>
    public static string Format(int progressPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(progressPerSecond, MinPerSecond);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(progressPerSecond, MaxPerSecond);
        return string.Create(CultureInfo.InvariantCulture, $"{EventTypes.TaskProgress}:{progressPerSecond}");
    }

    /// <summary>
    /// Reads a value of <see cref="QueryParameter"/>: <c>task.progress:N</c>, N from <see cref="MinPerSecond"/> to
    /// <see cref="MaxPerSecond"/> (<c>task.progress</c> is the one type that can be conflated: its key is <c>taskId</c>).
    /// </summary>
    /// <param name="text">The value.</param>
    /// <param name="progressPerSecond">The most progress events a second per task.</param>
    /// <param name="problem">Why the value is refused, fit to show a developer; empty when it is not.</param>
    public static bool TryParse(string text, out int progressPerSecond, out string problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        progressPerSecond = 0;
        problem = "";
        var colon = text.LastIndexOf(':');
        var type = colon < 0 ? text.Trim() : text[..colon].Trim();
        if (type != EventTypes.TaskProgress)
        {
            problem = $"'{text}' in '{QueryParameter}': only {EventTypes.TaskProgress} can be conflated (per taskId); ask for it as '{EventTypes.TaskProgress}:10'.";
            return false;
        }
        if (colon < 0
            || !int.TryParse(text.AsSpan(colon + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out progressPerSecond)
            || progressPerSecond is < MinPerSecond or > MaxPerSecond)
        {
            progressPerSecond = 0;
            problem = $"'{text}' in '{QueryParameter}': give the most updates a second per task, from {MinPerSecond} to {MaxPerSecond}, as in '{EventTypes.TaskProgress}:10'.";
            return false;
        }
        return true;
    }
}
