using AgentPulse.Server;
using AgentPulse.Server.Documents;
using AgentPulse.Server.Search;
using AgentPulse.Server.Storage;
using AgentPulse.Server.Tasks;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the agents: task registry and runner, the indexer and the searcher.</summary>
public static class AgentsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the agents, configured from <paramref name="configuration"/>: <c>DataPath</c> and the
    /// sections <c>Tasks</c>, <c>Documents</c> and <c>Search</c>. Call after <c>AddAgentPulse().AddTaskSnapshots()</c>.
    /// </summary>
    public static IServiceCollection AddAgents(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StorageOptions>().Configure(o => o.DataPath = configuration["DataPath"] is { Length: > 0 } path ? path : "./data");
        services.AddOptions<TaskOptions>().Bind(configuration.GetSection("Tasks")).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DocumentOptions>().Bind(configuration.GetSection("Documents")).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SearchOptions>().Bind(configuration.GetSection("Search")).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ITaskCheckpoints, NoTaskCheckpoints>();
        services.AddSingleton<AgentDatabase>();
        services.AddSingleton<TaskStore>();
        services.AddSingleton<DocumentStore>();
        services.AddSingleton<SearchStore>();
        services.AddSingleton<SearchIndex>();
        services.AddSingleton<TaskRunner>();
        services.AddSingleton<PdfProcess>();
        services.AddSingleton<TextExtractor>();
        services.AddSingleton<DocumentAgent>();
        services.AddSingleton<SearchAgent>();
        services.AddHostedService<AgentsService>();
        return services;
    }

    /// <summary>Maps <c>/api/tasks</c>, <c>/api/documents</c> and <c>/api/search</c>.</summary>
    public static IEndpointRouteBuilder MapAgents(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapTasks();
        endpoints.MapDocuments();
        endpoints.MapSearch();
        return endpoints;
    }
}
