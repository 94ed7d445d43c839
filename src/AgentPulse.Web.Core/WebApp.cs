using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Components.WebAssembly.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.Web;

/// <summary>
/// The page's start: the host, its root components (<see cref="App"/>, the head) and its services, then the connection.
/// It lives here, not in the app assembly, so that assembly is only its entry point: the first load then carries one
/// small assembly beside this one, and the 3D view's assembly (loaded lazily) uses this one's types.
/// </summary>
public static class WebApp
{
    /// <summary>Builds the host, starts what the page needs (after sign-in, where the server requires it) and runs until the page goes.</summary>
    public static async Task RunAsync(string[] args)
    {
        var builder = WebAssemblyHostBuilder.CreateDefault(args);
        builder.RootComponents.Add<App>("#app");
        builder.RootComponents.Add<HeadOutlet>("head::after");
        builder.Services.AddAgentPulseWeb(
            ConnectionUrl.Resolve(builder.Configuration["AgentPulse:Url"], new Uri(builder.HostEnvironment.BaseAddress)),
            new Uri(builder.HostEnvironment.BaseAddress));

        var host = builder.Build();
        // Who the page is for comes first: on a server that requires sign-in, nothing connects until someone has signed in.
        var session = host.Services.GetRequiredService<AuthSession>();
        await session.InitializeAsync();
        if (!session.NeedsSignIn)
        {
            // The activity list and the library listen before the one connection starts (with the page, before the first
            // render), so the snapshot the first connect brings is there when the views are.
            host.Services.GetRequiredService<AgentActivity>();
            host.Services.GetRequiredService<DocumentLibrary>();
            host.Services.GetRequiredService<Notifications>();
            await host.Services.GetRequiredService<PageLifecycle>().StartAsync();
        }
        await host.RunAsync();
    }
}
