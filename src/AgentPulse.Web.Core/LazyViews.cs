using System.Reflection;

namespace AgentPulse.Web;

/// <summary>
/// The views whose code is not part of the app's first load (<c>BlazorWebAssemblyLazyLoad</c> in the project file):
/// the router (<c>App.razor</c>) loads their assemblies with <c>LazyAssemblyLoader</c> on the way to them.
/// </summary>
public static class LazyViews
{
    /// <summary>The 3D view's assembly, as the lazy loader names it.</summary>
    public const string SceneAssembly = "AgentPulse.Web.Scene.wasm";

    /// <summary>The 3D view's route, relative to the page's base.</summary>
    public const string ScenePath = "3d";

    // An array, not a collection expression of IReadOnlyList: that makes the compiler add a list type of its own
    // (with its enumerator, some 40 methods) to an assembly every first load carries.
    private static readonly string[] SceneAssemblies = [SceneAssembly];

    /// <summary>
    /// The assemblies the view at <paramref name="path"/> (relative to the page's base, as the router gives it, with any
    /// query or fragment) needs beyond the first load; none for every other path.
    /// </summary>
    public static IReadOnlyList<string> AssembliesFor(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var end = path.AsSpan().IndexOfAny('?', '#');
        var route = (end < 0 ? path.AsSpan() : path.AsSpan(0, end)).Trim('/');
        // Routes match without regard to case, as the router's do.
        return route.Equals(ScenePath, StringComparison.OrdinalIgnoreCase) ? SceneAssemblies : Array.Empty<string>();
    }

    /// <summary>Whether <paramref name="assembly"/> is the one the lazy loader calls <paramref name="name"/> (<c>X.wasm</c> or <c>X.dll</c>).</summary>
    public static bool IsNamed(Assembly assembly, string name)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(name);
        return string.Equals(assembly.GetName().Name, Path.GetFileNameWithoutExtension(name), StringComparison.Ordinal);
    }
}
