using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentPulse.Server.Tasks;
using Microsoft.Extensions.Options;

namespace AgentPulse.Server.Documents;

/// <summary>
/// Reads each PDF in a process of its own: this server's assembly started with
/// <see cref="ChildVerb"/>, its GC heap capped at <see cref="DocumentOptions.MaxPdfMemoryBytes"/>,
/// writing one JSON line per page. PdfPig cannot be interrupted inside a page and keeps an object
/// per glyph (a page showing 1 MB of text takes some hundreds of MB), so only a process bounds what
/// a PDF costs: over the cap the child fails alone, and cancelling (a DELETE, the time limit,
/// shutdown) kills it at once.
/// </summary>
internal sealed partial class PdfProcess(IOptions<DocumentOptions> options, ILogger<PdfProcess> logger)
{
    /// <summary>The first argument that makes the server's assembly read a PDF instead of serving.</summary>
    public const string ChildVerb = "read-pdf";

    /// <summary>How much of the child's error output is kept for the log when it fails.</summary>
    private const int ErrorTailChars = 2048;

    /// <summary>Reads the text of the PDF at <paramref name="path"/>, reporting each page done.</summary>
    public async Task<string> ExtractAsync(string path, string name, Func<int, int, ValueTask> onPage, CancellationToken cancellationToken)
    {
        var opts = options.Value;
        using var process = new Process { StartInfo = StartInfo(path, name, opts) };
        process.Start();
        LogStarted(logger, name, process.Id);
        // A read from the pipe may not notice the token; killing the reader ends it.
        await using var kill = cancellationToken.Register(() => Kill(process));
        var errors = ReadTailAsync(process.StandardError);
        var text = new StringBuilder();
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
            {
                var page = JsonSerializer.Deserialize(line, PdfProcessJsonContext.Default.PdfPageLine)
                    ?? throw new InvalidDataException("The PDF reader wrote an empty line.");
                if (page.ErrorCode is { } code)
                {
                    throw new TaskFailureException(code, page.ErrorMessage ?? $"{name} could not be read.");
                }
                if (page.PeakMemoryBytes is { } peak)
                {
                    LogRead(logger, name, process.Id, page.Pages, peak / (1024 * 1024));
                    continue;
                }
                text.Append(page.Text).Append("\n\n");
                await onPage(page.Page, page.Pages);
            }
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("The PDF reader wrote a line that is not JSON.", ex);
        }
        finally
        {
            // Killed, not asked: whatever page PdfPig is in, it stops now; and the task ends only once it has.
            if (!process.HasExited)
            {
                Kill(process);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (process.ExitCode != 0)
        {
            // Died without a word: out of memory past the point where it could still say so, or PdfPig crashed it.
            LogFailed(logger, name, process.ExitCode, await errors);
            throw new TaskFailureException(
                "unreadable",
                $"{name} could not be read: the reader stopped on it (the PDF may be damaged, or need more than the {Describe.Size(opts.MaxPdfMemoryBytes)} of memory AgentPulse gives one PDF).");
        }
        return text.ToString();
    }

    /// <summary>The child: reads the PDF and writes its pages, or why it cannot, as JSON lines.</summary>
    /// <returns>The exit code: 0 when every page was written.</returns>
    public static async Task<int> RunChildAsync(string[] args, Stream output)
    {
        if (args is not [var path, var name, var decodedBytes] || !long.TryParse(decodedBytes, out var maxDecodedBytes))
        {
            await Console.Error.WriteLineAsync($"usage: {ChildVerb} <path> <name> <max decoded bytes>");
            return 2;
        }
        await using var writer = new StreamWriter(output, new UTF8Encoding(false)) { AutoFlush = true };
        async ValueTask WriteAsync(PdfPageLine line) =>
            await writer.WriteLineAsync(JsonSerializer.Serialize(line, PdfProcessJsonContext.Default.PdfPageLine));
        try
        {
            var count = 0;
            await PdfText.ReadAsync(path, name, new DecodeBudget(maxDecodedBytes), (page, pages, text) =>
            {
                count = pages;
                return WriteAsync(new PdfPageLine(page, pages, text));
            }, CancellationToken.None);
            await WriteAsync(new PdfPageLine(0, count, null, PeakMemoryBytes: PeakResidentBytes()));
            return 0;
        }
        catch (TaskFailureException ex)
        {
            await WriteAsync(new PdfPageLine(0, 0, null, ex.Error.Code, ex.Error.Message));
            return 1;
        }
        catch (OutOfMemoryException)
        {
            await WriteAsync(new PdfPageLine(0, 0, null, "too_large", $"{name} needs more memory to read than the {Describe.Size(MemoryLimit())} AgentPulse gives one PDF."));
            return 1;
        }
    }

    /// <summary>The most memory this process has held (VmHWM); 0 where /proc is not there.</summary>
    private static long PeakResidentBytes()
    {
        const string Key = "VmHWM:";
        return File.Exists("/proc/self/status")
            && File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(Key, StringComparison.Ordinal)) is { } line
            && long.TryParse(line[Key.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out var kilobytes)
                ? kilobytes * 1024
                : 0;
    }

    /// <summary>The child's heap limit, as its parent set it.</summary>
    private static long MemoryLimit() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    private static ProcessStartInfo StartInfo(string path, string name, DocumentOptions opts)
    {
        var server = typeof(PdfProcess).Assembly.Location;
        var folder = Path.GetDirectoryName(server)!;
        var baseName = Path.GetFileNameWithoutExtension(server);
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["exec", "--runtimeconfig", Path.Combine(folder, baseName + ".runtimeconfig.json"), "--depsfile", Path.Combine(folder, baseName + ".deps.json"), server, ChildVerb, path, name, opts.MaxDecodedBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_GCHeapHardLimit"] = "0x" + opts.MaxPdfMemoryBytes.ToString("X", System.Globalization.CultureInfo.InvariantCulture);
        // A short-lived reader: no tiering up, no second GC heap per core.
        start.Environment["DOTNET_TieredPGO"] = "0";
        start.Environment["DOTNET_gcServer"] = "0";
        return start;
    }

    /// <summary>The <c>dotnet</c> host that runs this process, found from the runtime it loaded.</summary>
    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } current && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }
        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : throw new InvalidOperationException($"The dotnet host was not found next to the runtime ({root}), so PDFs cannot be read.");
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had already ended.
        }
    }

    private static async Task<string> ReadTailAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        var tail = new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            tail.Append(buffer, 0, read);
            if (tail.Length > ErrorTailChars)
            {
                tail.Remove(0, tail.Length - ErrorTailChars);
            }
        }
        return tail.ToString();
    }
}

/// <summary>One line the child writes: a page and its text; or, as page 0, why the PDF cannot be read, or at the end what reading it took.</summary>
internal sealed record PdfPageLine(int Page, int Pages, string? Text, string? ErrorCode = null, string? ErrorMessage = null, long? PeakMemoryBytes = null);

[JsonSerializable(typeof(PdfPageLine))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class PdfProcessJsonContext : JsonSerializerContext;
