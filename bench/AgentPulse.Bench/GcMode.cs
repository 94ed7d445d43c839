using System.Text.Json;

namespace AgentPulse.Bench;

/// <summary>The garbage collector a server process runs with (the environment variable <c>DOTNET_gcServer</c>).</summary>
internal enum GcMode
{
    Server,
    Workstation,
}

internal static class GcModes
{
    public static GcMode Parse(string text) => text.ToLowerInvariant() switch
    {
        "server" => GcMode.Server,
        "workstation" => GcMode.Workstation,
        _ => throw new ArgumentException($"--gc takes server or workstation, not {text}."),
    };

    public static string Name(this GcMode mode) => mode == GcMode.Server ? "Server GC" : "workstation GC";

    public static GcMode Other(this GcMode mode) => mode == GcMode.Server ? GcMode.Workstation : GcMode.Server;

    /// <summary>
    /// The GC <c>AgentPulse.Server</c> ships with: <c>System.GC.Server</c> in its runtimeconfig.json, which the
    /// build copies beside the bench. Without it, the Web SDK's default (Server GC).
    /// </summary>
    public static GcMode Shipped()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "AgentPulse.Server.runtimeconfig.json");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            if (document.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties)
                && properties.TryGetProperty("System.GC.Server", out var server))
            {
                return server.GetBoolean() ? GcMode.Server : GcMode.Workstation;
            }
        }
        catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
        }
        return GcMode.Server;
    }
}
