namespace AgentPulse.Server;

/// <summary>
/// Serves the Blazor WebAssembly UI (the AgentPulse.Web project) at <c>/</c>.
/// </summary>
/// <remarks>
/// The static web assets manifests sit next to this assembly: in its own bin folder for
/// <c>dotnet run</c>, in a test's bin folder when a test builds the app in its own process (where the
/// entry assembly, and so the default manifest name, is the test host's), and in the publish folder.
/// Naming them explicitly makes all three work. Without them (a build that did not produce them) the
/// app runs without its UI.
/// </remarks>
internal sealed class WebUi
{
    private const string RuntimeManifest = "AgentPulse.Server.staticwebassets.runtime.json";
    private const string EndpointsManifest = "AgentPulse.Server.staticwebassets.endpoints.json";

    private readonly string folder;

    private WebUi(string folder) => this.folder = folder;

    public static WebUi Find() =>
        new(Path.GetDirectoryName(typeof(WebUi).Assembly.Location) is { Length: > 0 } folder ? folder : AppContext.BaseDirectory);

    private string RuntimeManifestPath => Path.Combine(folder, RuntimeManifest);

    private string EndpointsManifestPath => Path.Combine(folder, EndpointsManifest);

    public void Configure(WebApplicationBuilder builder)
    {
        // After a build the assets live in the projects' folders, listed in the runtime manifest;
        // after a publish they are in wwwroot and there is no runtime manifest.
        if (File.Exists(RuntimeManifestPath))
        {
            builder.WebHost.UseSetting(WebHostDefaults.StaticWebAssetsKey, RuntimeManifestPath);
            builder.WebHost.UseStaticWebAssets();
        }
    }

    public void Map(WebApplication app)
    {
        if (!File.Exists(EndpointsManifestPath))
        {
            return;
        }
        // The page loads before anyone signs in: its files are open to all, the API behind it is not.
        app.MapStaticAssets(EndpointsManifestPath).AllowAnonymous();
        // Unknown API paths stay 404 rather than getting the page.
        app.MapFallback("/api/{**path}", (string path) =>
            Problems.Create(StatusCodes.Status404NotFound, "Not found", $"There is no API at /api/{path}."));
        app.MapFallbackToFile("index.html").AllowAnonymous();
    }
}
