using System.ComponentModel.DataAnnotations;

namespace AgentPulse.Server.Tasks;

/// <summary>Options of the task runner (configuration section <c>Tasks</c>). Validated at start.</summary>
public sealed class TaskOptions
{
    /// <summary>How many document tasks run at once; the rest wait, shown as queued (default: 2).</summary>
    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 2;

    /// <summary>How many searches run at once, apart from document tasks so a search never waits behind a big upload (default: 4).</summary>
    [Range(1, 64)]
    public int MaxConcurrentSearches { get; set; } = 4;

    /// <summary>
    /// How many searches with fuzzy (<c>~</c>), prefix (<c>*</c>) or proximity terms run at once, in
    /// slots of their own, so plain searches never wait behind them (default: 1).
    /// </summary>
    [Range(1, 64)]
    public int MaxConcurrentCostlySearches { get; set; } = 1;

    /// <summary>The least time between two progress events of one task; the first and last of each stage always go out (default: 100 ms, about 10 a second).</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many tasks <c>GET /api/tasks</c> returns at most, newest first (default: 200).</summary>
    [Range(1, 100_000)]
    public int ListLimit { get; set; } = 200;
}
