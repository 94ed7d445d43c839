using AgentPulse.Web;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Components.WebAssembly.Hosting;

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
