using System.Text;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;
using AgentPulse.Server.Identity;
using AgentPulse.Server.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AgentPulse.Server.Documents;

/// <summary><c>/api/documents</c>: upload, list, show, delete and reindex.</summary>
internal static class DocumentsEndpoints
{
    public static void MapDocuments(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/documents");
        // Kestrel's own limit (30 MB by default) would cut an upload short before ours could answer clearly.
        group.MapPost("/", UploadAsync).WithBodySizeLimit(endpoints.ServiceProvider.GetRequiredService<IOptions<DocumentOptions>>().Value.MaxRequestBytes);
        group.MapGet("/", (DocumentStore store, Viewer viewer) => Results.Json(new DocumentList(store.List(viewer)), AgentPulseJsonContext.Default.DocumentList));
        group.MapGet("/{documentId}", Get);
        group.MapDelete("/{documentId}", DeleteAsync);
        group.MapPost("/{documentId}/reindex", ReindexAsync);
    }

    private static IResult Get(string documentId, DocumentStore store, Viewer viewer) =>
        store.Get(documentId, viewer) is { } document
            ? Results.Json(document, AgentPulseJsonContext.Default.DocumentRecord)
            : Problems.NotFound("document", documentId);

    private static async Task<IResult> DeleteAsync(string documentId, DocumentAgent agent, Viewer viewer) =>
        await agent.DeleteAsync(documentId, viewer) ? Results.NoContent() : Problems.NotFound("document", documentId);

    private static async Task<IResult> ReindexAsync(string documentId, DocumentAgent agent, Viewer viewer)
    {
        var (result, document) = await agent.ReindexAsync(documentId, viewer);
        return result switch
        {
            ReindexResult.NotFound => Problems.NotFound("document", documentId),
            ReindexResult.AlreadyIndexing => Problems.Create(StatusCodes.Status409Conflict, "Already being indexed", $"{document!.Name} is being indexed right now."),
            _ => Results.Json(
                new DocumentsAccepted([new AcceptedDocument(document!.DocumentId, document.TaskId, document.Name)]),
                AgentPulseJsonContext.Default.DocumentsAccepted,
                statusCode: StatusCodes.Status202Accepted),
        };
    }

    /// <summary>
    /// Streams each file of the multipart body to a temporary file, checks them all (size, empty,
    /// type from content), and only then accepts them: an upload is refused as a whole.
    /// </summary>
    private static async Task<IResult> UploadAsync(HttpContext context, DocumentAgent agent, AgentDatabase database, IOptions<DocumentOptions> options, Viewer viewer, CancellationToken cancellationToken)
    {
        var opts = options.Value;
        var request = context.Request;
        if (request.ContentLength > opts.MaxRequestBytes)
        {
            return TooLarge($"An upload may be up to {Describe.Size(opts.MaxRequestBytes)} in all.");
        }
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Send files as a form", "Upload files as multipart/form-data, one file per form field.");
        }

        var tempFolder = Path.Combine(database.DocumentsPath, "incoming");
        Directory.CreateDirectory(tempFolder);
        var staged = new List<(string TempPath, string Name, long Size)>();
        IResult? refusal = null;
        try
        {
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
                {
                    await section.Body.CopyToAsync(Stream.Null, cancellationToken);
                    continue;
                }
                var name = DisplayName(disposition);
                if (refusal is not null)
                {
                    // Read the rest so the client gets our answer rather than a reset connection.
                    await section.Body.CopyToAsync(Stream.Null, cancellationToken);
                    continue;
                }
                if (staged.Count >= opts.MaxFilesPerUpload)
                {
                    refusal = Problems.Create(StatusCodes.Status400BadRequest, "Too many files", $"Send up to {opts.MaxFilesPerUpload} files at once.");
                    continue;
                }
                var tempPath = Path.Combine(tempFolder, Guid.NewGuid().ToString("N") + ".upload");
                var size = await CopyLimitedAsync(section.Body, tempPath, opts.MaxFileBytes, cancellationToken);
                if (size > opts.MaxFileBytes)
                {
                    File.Delete(tempPath);
                    refusal = TooLarge($"{name} is larger than {Describe.Size(opts.MaxFileBytes)}, the largest file AgentPulse takes.");
                    continue;
                }
                staged.Add((tempPath, name, size));
            }
        }
        catch (Exception ex) when (BodySizeLimit.IsTooLarge(ex))
        {
            refusal = TooLarge($"An upload may be up to {Describe.Size(opts.MaxRequestBytes)} in all.");
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            refusal ??= Problems.Create(StatusCodes.Status400BadRequest, "The upload could not be read", "The form was cut short or is not valid multipart/form-data.");
        }

        var accepted = new List<StagedFile>();
        try
        {
            if (refusal is null && staged.Count == 0)
            {
                refusal = Problems.Create(StatusCodes.Status400BadRequest, "No file", "Choose one or more files to upload.");
            }
            foreach (var (tempPath, name, size) in refusal is null ? staged : [])
            {
                if (size == 0)
                {
                    refusal = Problems.Create(StatusCodes.Status400BadRequest, "Empty file", $"{name} is empty: there is nothing to index.");
                    break;
                }
                var (contentType, why) = ContentSniffer.Sniff(await File.ReadAllBytesAsync(tempPath, cancellationToken), name);
                if (contentType is null)
                {
                    refusal = Problems.Create(StatusCodes.Status415UnsupportedMediaType, "File type not supported", why!);
                    break;
                }
                accepted.Add(new StagedFile(tempPath, name, size, contentType));
            }
            if (refusal is not null)
            {
                return refusal;
            }

            var documents = new List<AcceptedDocument>(accepted.Count);
            foreach (var file in accepted)
            {
                var record = await agent.AcceptAsync(file, viewer.Owner);
                documents.Add(new AcceptedDocument(record.DocumentId, record.TaskId, record.Name));
            }
            return Results.Json(new DocumentsAccepted(documents), AgentPulseJsonContext.Default.DocumentsAccepted, statusCode: StatusCodes.Status202Accepted);
        }
        finally
        {
            foreach (var (tempPath, _, _) in staged)
            {
                File.Delete(tempPath);
            }
        }
    }

    /// <summary>Copies up to one byte past the limit; the return value says whether it went over.</summary>
    private static async Task<long> CopyLimitedAsync(Stream source, string path, long maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        long total = 0;
        try
        {
            await using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                if (total > maxBytes)
                {
                    break;
                }
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        if (total > maxBytes)
        {
            await source.CopyToAsync(Stream.Null, cancellationToken);
        }
        return total;
    }

    /// <summary>The name as the client gave it, for display only (never a path on the server).</summary>
    private static string DisplayName(ContentDispositionHeaderValue disposition)
    {
        var raw = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
        var builder = new StringBuilder();
        foreach (var c in raw ?? "")
        {
            if (!char.IsControl(c))
            {
                builder.Append(c);
            }
        }
        var name = builder.ToString().Trim();
        if (name.Length > 255)
        {
            name = name[..255];
        }
        return name.Length == 0 ? "untitled" : name;
    }

    private static IResult TooLarge(string detail) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "File too large", detail);
}
