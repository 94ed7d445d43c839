using AgentPulse.AspNetCore;
using Microsoft.Extensions.Configuration.Memory;

namespace AgentPulse.Server.Security;

/// <summary>
/// The settings the server has wherever it starts. appsettings.json is read from the working folder,
/// so a server started from any other folder (as a deployment does) has none of it: these defaults
/// sit below every configuration source (appsettings.json, the environment, the command line), which
/// override them key by key.
/// </summary>
internal static class ServerDefaults
{
    /// <summary>The host names of this machine; any other <c>Host</c> (DNS rebinding) gets 400.</summary>
    public const string LoopbackHosts = "localhost;127.0.0.1;[::1]";

    public const string MaxHttpConnectionsKey = "Kestrel:Limits:MaxConcurrentConnections";

    public static IReadOnlyDictionary<string, string?> Values { get; } = new Dictionary<string, string?>
    {
        ["Urls"] = "http://localhost:8000",
        ["AllowedHosts"] = LoopbackHosts,
        // ASP.NET Core logs every request's URL at Information, access_token included: Warning for it
        // (and LogRedaction for whoever turns it up).
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
    };

    public static void Apply(WebApplicationBuilder builder)
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Values });
        // As many plain HTTP connections as the open files allow beside the WebSockets (ConnectionBudget),
        // unless Kestrel:Limits:MaxConcurrentConnections says otherwise (ASP.NET Core does not bind Kestrel's
        // limits from configuration: this key is read here); past it Kestrel closes new ones at once.
        builder.WebHost.ConfigureKestrel((context, kestrel) => kestrel.Limits.MaxConcurrentConnections =
            context.Configuration.GetValue<long?>(MaxHttpConnectionsKey) ?? ConnectionBudget.ForThisProcess.HttpConnections);
    }
}
