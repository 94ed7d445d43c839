namespace AgentPulse.Server.Documents;

/// <summary>
/// Walks a text in parts of <see cref="PartChars"/> characters: as each part is passed it checks for
/// cancellation (a DELETE, the extraction time limit) and reports "part n of m", so a long
/// extraction can be stopped and followed. A text of one part reports once, at its end.
/// </summary>
internal sealed class TextParts
{
    /// <summary>The length of a part (64 K characters).</summary>
    public const int PartChars = 64 * 1024;

    private readonly Func<int, int, ValueTask> onPart;
    private readonly CancellationToken cancellationToken;
    private readonly int total;
    private int passed;

    public TextParts(int length, Func<int, int, ValueTask> onPart, CancellationToken cancellationToken)
    {
        this.onPart = onPart;
        this.cancellationToken = cancellationToken;
        total = Math.Max(1, (int)((length + (long)PartChars - 1) / PartChars));
    }

    /// <summary>Parts that report nowhere and cannot be cancelled.</summary>
    public static TextParts None(int length) => new(length, (_, _) => ValueTask.CompletedTask, CancellationToken.None);

    /// <summary>The work has reached <paramref name="position"/> (characters).</summary>
    public ValueTask PassedAsync(int position)
    {
        var done = Math.Min(total - 1, position / PartChars);
        if (done <= passed)
        {
            return ValueTask.CompletedTask;
        }
        cancellationToken.ThrowIfCancellationRequested();
        passed = done;
        return onPart(done, total);
    }

    /// <summary>The work is done: reports the last part.</summary>
    public ValueTask EndAsync()
    {
        cancellationToken.ThrowIfCancellationRequested();
        passed = total;
        return onPart(total, total);
    }
}
