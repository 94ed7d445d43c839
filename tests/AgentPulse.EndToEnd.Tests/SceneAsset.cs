namespace AgentPulse.EndToEnd.Tests;

/// <summary>
/// What the 3D view is made of on the wire: its assembly (loaded lazily, on the way to <c>/3d</c>), with its symbols
/// where the build has them, and its static assets (served from the view's Razor class library).
/// </summary>
internal static class SceneAsset
{
    /// <summary>The scene's bundle.</summary>
    public const string Bundle = "/_content/AgentPulse.Web.Scene/js/scene.js";

    /// <summary>The view's styles.</summary>
    public const string Styles = "/_content/AgentPulse.Web.Scene/css/scene.css";

    /// <summary>Where the view's assembly and symbols are (their names are fingerprinted).</summary>
    public const string AssemblyPrefix = "/_framework/AgentPulse.Web.Scene.";

    /// <summary>Whether <paramref name="path"/> is the view's assembly (its name is fingerprinted: <c>AgentPulse.Web.Scene.{hash}.wasm</c>).</summary>
    public static bool IsAssembly(string path) =>
        path.StartsWith(AssemblyPrefix, StringComparison.Ordinal) && path.EndsWith(".wasm", StringComparison.Ordinal);

    /// <summary>Whether <paramref name="path"/> is anything of the 3D view: its assembly or its symbols, or any of its static assets.</summary>
    public static bool IsOfTheView(string path) =>
        path.StartsWith(AssemblyPrefix, StringComparison.Ordinal) || path.StartsWith("/_content/AgentPulse.Web.Scene/", StringComparison.Ordinal);
}

/// <summary>The path of every request a page makes from now on, in order.</summary>
internal sealed class RequestLog
{
    private readonly List<string> paths = [];

    public RequestLog(IPage page) =>
        // Playwright raises its events on its own thread.
        page.Request += (_, request) =>
        {
            lock (paths)
            {
                paths.Add(new Uri(request.Url).AbsolutePath);
            }
        };

    /// <summary>The paths requested so far.</summary>
    public string[] Paths()
    {
        lock (paths)
        {
            return [.. paths];
        }
    }
}
