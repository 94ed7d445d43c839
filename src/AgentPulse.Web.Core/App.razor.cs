using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.WebAssembly.Services;
using Microsoft.Extensions.Logging;
using AgentPulse.Web.Layout;

namespace AgentPulse.Web;

/// <summary>
/// The app: its router, which routes to the pages of the shared assembly (the dashboard, with the layout) and loads a
/// lazily loaded view's assembly (<see cref="LazyViews"/>) before it routes to the view. Nothing in this assembly or the
/// shared one names a type of those assemblies, so the dashboard's first load carries none of them.
/// </summary>
public sealed partial class App
{
    // Where the router looks for pages besides this assembly: the shared one, then each lazily loaded one.
    private readonly List<Assembly> loaded = [typeof(MainLayout).Assembly];
    private string? failure;
    private bool loading;
    // Whether the first navigation (the page's load) is done: until then the layout is not on the page yet.
    private bool started;

    [Inject]
    private LazyAssemblyLoader AssemblyLoader { get; set; } = null!;

    [Inject]
    private ILogger<App> Logger { get; set; } = null!;

    // The loaded assembly is neither trimmed nor trimmable (only the libraries marked IsTrimmable are), so the
    // trimmer kept it whole and everything it uses; the published end-to-end test opens /3d.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The lazily loaded assembly and what it uses are kept whole by the trimmer (TrimMode partial).")]
    private async Task LoadViewAsync(NavigationContext context)
    {
        // A failure is about the navigation that met it: the next one starts afresh.
        failure = null;
        var names = LazyViews.AssembliesFor(context.Path).Where(name => !loaded.Any(a => LazyViews.IsNamed(a, name))).ToArray();
        if (names.Length == 0)
        {
            started = true;
            return;
        }
        loading = true;
        try
        {
            loaded.AddRange(await AssemblyLoader.LoadAssembliesAsync(names));
        }
        catch (System.Runtime.InteropServices.JavaScript.JSException ex)
        {
            // The network or the server failed it: the router then shows the not-found content, which says so.
            LogViewNotLoaded(Logger, string.Join(", ", names), ex);
            failure = "Its code could not be fetched from the server (" + ex.Message + "). Check the connection and try again.";
        }
        finally
        {
            loading = false;
            started = true;
        }
    }
}
