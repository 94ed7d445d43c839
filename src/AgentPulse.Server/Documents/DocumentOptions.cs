using System.ComponentModel.DataAnnotations;

namespace AgentPulse.Server.Documents;

/// <summary>Options of document upload and indexing (configuration section <c>Documents</c>). Validated at start.</summary>
public sealed class DocumentOptions
{
    /// <summary>The largest file, in bytes; a larger one is refused with 413 (default: 52428800, 50 MB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>The largest upload request (all its files), in bytes; a larger one is refused with 413 (default: 209715200, 200 MB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxRequestBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>The most files in one upload (default: 20).</summary>
    [Range(1, 10_000)]
    public int MaxFilesPerUpload { get; set; } = 20;

    /// <summary>About how many characters a chunk holds; each chunk is one Lucene document (default: 1000).</summary>
    [Range(100, 100_000)]
    public int ChunkChars { get; set; } = 1000;

    /// <summary>
    /// The longest the text of one document may take to extract; past it the task fails with code
    /// <c>timeout</c> (default: 2 minutes).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxExtractionTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How many bytes the compressed streams of one PDF may decode to, in all; a stream that would
    /// go over is refused before it is decoded, and the task fails with code <c>too_large</c>
    /// (default: 67108864, 64 MB). Reading a PDF within it takes up to about three times as much
    /// memory, in the reader's process (<see cref="MaxPdfMemoryBytes"/>).
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxDecodedBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// The heap of the process each PDF is read in; a PDF that needs more fails with code
    /// <c>too_large</c>, and the server's own memory never pays for it (default: 536870912, 512 MB).
    /// </summary>
    [Range(32L * 1024 * 1024, long.MaxValue)]
    public long MaxPdfMemoryBytes { get; set; } = 512L * 1024 * 1024;
}
