using System.Text.Json;
using System.Text.Json.Serialization;
using AgentPulse.Server.Documents;
using AgentPulse.Server.Search;

namespace AgentPulse.Server;

/// <summary>The result of a document task, in <c>task.completed</c>.</summary>
internal sealed record DocumentTaskResult(string DocumentId, int ChunkCount);

/// <summary>The result of a search task, in <c>task.completed</c>.</summary>
internal sealed record SearchTaskResult(string SearchId, int TotalHits);

/// <summary>An accepted upload.</summary>
internal sealed record AcceptedDocument(string DocumentId, string TaskId, string Name);

/// <summary>The answer to <c>POST /api/documents</c>.</summary>
internal sealed record UploadResponse(IReadOnlyList<AcceptedDocument> Documents);

/// <summary>The answer to <c>GET /api/documents</c>.</summary>
internal sealed record DocumentList(IReadOnlyList<DocumentRecord> Documents);

/// <summary>The body of <c>POST /api/search</c>.</summary>
internal sealed record SearchRequest(string? Query, int? Top);

/// <summary>The answer to <c>POST /api/search</c>.</summary>
internal sealed record SearchAccepted(string SearchId, string TaskId);

/// <summary>Source-generated JSON for the server's own REST shapes (camelCase, as the protocol).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DocumentTaskResult))]
[JsonSerializable(typeof(SearchTaskResult))]
[JsonSerializable(typeof(UploadResponse))]
[JsonSerializable(typeof(DocumentRecord))]
[JsonSerializable(typeof(DocumentList))]
[JsonSerializable(typeof(SearchRequest))]
[JsonSerializable(typeof(SearchAccepted))]
[JsonSerializable(typeof(SearchView))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
