namespace AgentPulse.Server;

/// <summary>
/// Serves the Blazor WebAssembly UI (the AgentPulse.Web project) at <c>/</c>.
/// </summary>
/// <remarks>
/// <para>The static web assets manifests sit next to this assembly: in its own bin folder for
/// <c>dotnet run</c>, in a test's bin folder when a test builds the app in its own process (where the
/// entry assembly, and so the default manifest name, is the test host's), and in the publish folder.
/// Naming them explicitly makes all three work. Without them (a build that did not produce them) the
/// app runs without its UI.</para>
/// <para>A published app has no runtime manifest: its assets are in <c>wwwroot</c> beside the assembly.
/// ASP.NET Core looks for <c>wwwroot</c> and <c>appsettings.json</c> under the content root, which is the
/// working directory by default, so a published server started from anywhere else answered <c>/</c> with
/// 404, every asset with an empty 200, and ignored its own settings. For a published app the web root and
/// (unless <c>--contentRoot</c> or <c>ASPNETCORE_CONTENTROOT</c> names one) the content root are the app's
/// folder. Relative paths of its settings (<c>DataPath</c>) are still taken from the working directory.</para>
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

    private string PublishedWebRoot => Path.Combine(folder, "wwwroot");

    /// <summary>A publish output: the endpoints manifest and the assets in wwwroot, no runtime manifest.</summary>
    private bool IsPublished =>
        !File.Exists(RuntimeManifestPath) && File.Exists(EndpointsManifestPath) && Directory.Exists(PublishedWebRoot);

    /// <summary>The builder's options: for a published app, its own folder as web root and (unless one is given) content root.</summary>
    public WebApplicationOptions Options(string[] args)
    {
        if (!IsPublished)
        {
            return new WebApplicationOptions { Args = args };
        }
        var contentRootGiven = args.Any(a => a.TrimStart('-', '/').StartsWith("contentRoot", StringComparison.OrdinalIgnoreCase))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"));
        return new WebApplicationOptions
        {
            Args = args,
            WebRootPath = PublishedWebRoot,
            ContentRootPath = contentRootGiven ? null : folder,
        };
    }

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
