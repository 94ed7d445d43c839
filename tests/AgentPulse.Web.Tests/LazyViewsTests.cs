using System.Reflection;
using Microsoft.AspNetCore.Components;

namespace AgentPulse.Web.Tests;

/// <summary>
/// The 3D view stays out of the app's first load only while nothing the first load runs names it: the app and the
/// shared assembly must not reference the view's assembly, which alone holds the /3d route.
/// </summary>
public class LazyViewsTests
{
    // The app assembly is only its entry point; the router, the pages and the state are in the shared one.
    private static readonly Assembly AppAssembly = typeof(Program).Assembly;
    private static readonly Assembly CoreAssembly = typeof(App).Assembly;
    private static readonly Assembly SceneAssembly = typeof(ActivityScene).Assembly;

    [Theory]
    [InlineData("3d")]
    [InlineData("3D")]
    [InlineData("3d/")]
    [InlineData("/3d")]
    [InlineData("3d?from=header")]
    [InlineData("3d#vr")]
    public void TheSceneRoute_NeedsTheScenesAssembly(string path) =>
        Assert.Equal([LazyViews.SceneAssembly], LazyViews.AssembliesFor(path));

    [Theory]
    [InlineData("")]
    [InlineData("?q=3d")]
    [InlineData("3dx")]
    [InlineData("docs/3d")]
    [InlineData("some/view")]
    public void EveryOtherRoute_NeedsNothingMore(string path) => Assert.Empty(LazyViews.AssembliesFor(path));

    [Fact]
    public void TheLazyName_IsTheScenesAssembly_WhichHoldsTheSceneRoute()
    {
        Assert.True(LazyViews.IsNamed(SceneAssembly, LazyViews.SceneAssembly));
        Assert.False(LazyViews.IsNamed(AppAssembly, LazyViews.SceneAssembly));
        Assert.Equal(["/3d"], Routes(SceneAssembly));
        Assert.Equal("/" + LazyViews.ScenePath, Routes(SceneAssembly).Single());
    }

    [Fact]
    public void TheAppAssembly_IsOnlyItsEntryPoint_TheRouterAndTheDashboardAreShared()
    {
        Assert.Same(CoreAssembly, typeof(AgentActivity).Assembly);
        Assert.Equal(["/"], Routes(CoreAssembly));
        Assert.Empty(Routes(AppAssembly));
        Assert.Equal([CoreAssembly.GetName().Name], AppAssembly.GetReferencedAssemblies().Select(a => a.Name).Where(n => n!.StartsWith("AgentPulse.", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheFirstLoadsAssemblies_DoNotReferenceTheScenesAssembly_NorRouteTo3d()
    {
        var scene = SceneAssembly.GetName().Name;
        foreach (var assembly in new[] { AppAssembly, CoreAssembly })
        {
            Assert.DoesNotContain(scene, assembly.GetReferencedAssemblies().Select(a => a.Name));
            Assert.DoesNotContain("/3d", Routes(assembly));
        }
        // The scene uses the shared state (that is why it is shared), not the app.
        Assert.Contains(CoreAssembly.GetName().Name, SceneAssembly.GetReferencedAssemblies().Select(a => a.Name));
        Assert.DoesNotContain(AppAssembly.GetName().Name, SceneAssembly.GetReferencedAssemblies().Select(a => a.Name));
    }

    private static string[] Routes(Assembly assembly) =>
        [.. assembly.GetExportedTypes().SelectMany(t => t.GetCustomAttributes<RouteAttribute>()).Select(r => r.Template)];
}
