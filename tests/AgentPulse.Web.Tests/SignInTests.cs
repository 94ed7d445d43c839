using System.Net.Http.Headers;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;

namespace AgentPulse.Web.Tests;

/// <summary>The header's sign-in (<see cref="SignIn"/>) over <see cref="AuthSession"/>, against a scripted server.</summary>
public sealed class SignInTests : WebTestContext
{
    private const string Required = """{"authenticationRequired":true,"developmentSignIn":true}""";
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 17, 0, 0, TimeSpan.Zero);

    private readonly List<HttpRequestMessage> requests = [];
    private readonly List<string> bodies = [];
    private AuthSession session = null!;

    private static string Issued(string user, DateTimeOffset expiresAt) =>
        $$"""{"accessToken":"token-of-{{user}}-{{expiresAt.ToUnixTimeSeconds()}}","user":"{{user}}","expiresAt":"{{expiresAt:O}}"}""";

    private async Task<AuthSession> StartAsync(string info, string? stored = null, Func<HttpRequestMessage, HttpResponseMessage>? mint = null)
    {
        Api.Respond = request =>
        {
            requests.Add(request);
            bodies.Add(request.Content?.ReadAsStringAsync().GetAwaiter().GetResult() ?? "");
            return request.RequestUri!.AbsolutePath switch
            {
                "/api/auth" => FakeApi.Json(info),
                "/api/auth/development-token" => mint?.Invoke(request) ?? FakeApi.Json(Issued("alice", Start.AddHours(1))),
                _ => FakeApi.Json("""{"documents":[]}"""),
            };
        };
        JSInterop.Setup<string?>("agentPulse.auth.load", "agentpulse.session").SetResult(stored);
        Services.AddSingleton(sp => new AuthSession(new HttpClient(Api) { BaseAddress = new Uri("http://localhost:8000/") }, JSInterop.JSRuntime, sp.GetRequiredService<NavigationManager>(), Time));
        session = Services.GetRequiredService<AuthSession>();
        await session.InitializeAsync();
        return session;
    }

    private BunitNavigationManager Navigation => (BunitNavigationManager)Services.GetRequiredService<NavigationManager>();

    [Fact]
    public async Task SignedOut_OnAServerThatRequiresIt_SignsInByName_StoresTheTokenAndReloads()
    {
        await StartAsync(Required);
        Assert.True(session.NeedsSignIn);
        var cut = Render<SignIn>();

        cut.Find("input#signin-name").Input("alice");
        Assert.Equal("Your name", cut.Find("label[for=signin-name]").TextContent);
        await cut.Find("form").SubmitAsync();

        Assert.Equal("""{"name":"alice"}""", bodies[^1]);
        var stored = JSInterop.Invocations["agentPulse.auth.store"].Single();
        Assert.Equal("agentpulse.session", stored.Arguments[0]);
        Assert.Equal(
            new AccessTokenIssued("token-of-alice-" + Start.AddHours(1).ToUnixTimeSeconds(), "alice", Start.AddHours(1)),
            System.Text.Json.JsonSerializer.Deserialize((string)stored.Arguments[1]!, AgentPulseJsonContext.Default.AccessTokenIssued));
        var reload = Assert.Single(Navigation.History);
        Assert.True(reload.Options.ForceLoad);
        Assert.Equal("alice", session.User);
        Assert.Equal("token-of-alice-" + Start.AddHours(1).ToUnixTimeSeconds(), await session.GetAccessTokenAsync());
    }

    [Fact]
    public async Task RefusedName_ShowsTheServersReason_AndStaysSignedOut()
    {
        await StartAsync(Required, mint: _ => FakeApi.Json("""{"title":"Bad name","status":400,"detail":"A name may be up to 64 characters long."}""", 400));
        var cut = Render<SignIn>();

        cut.Find("input#signin-name").Input(new string('a', 10));
        await cut.Find("form").SubmitAsync();

        Assert.Equal("A name may be up to 64 characters long.", cut.Find("[role=alert]").TextContent);
        Assert.Empty(Navigation.History);
        Assert.True(session.NeedsSignIn);
    }

    [Fact]
    public async Task SignedIn_ShowsTheUser_AndSignsOut()
    {
        await StartAsync(Required, stored: Issued("alice", Start.AddHours(1)));
        var cut = Render<SignIn>();

        Assert.Equal("Signed in as alice", cut.Find(".signin-user").TextContent);
        Assert.False(session.NeedsSignIn);
        await cut.Find("button").ClickAsync(new());

        var cleared = JSInterop.Invocations["agentPulse.auth.store"].Single();
        Assert.Equal(["agentpulse.session", null], cleared.Arguments);
        Assert.True(Assert.Single(Navigation.History).Options.ForceLoad);
        Assert.Null(await session.GetAccessTokenAsync());
    }

    [Fact]
    public async Task AnExpiredStoredToken_IsForgotten()
    {
        await StartAsync(Required, stored: Issued("alice", Start.AddSeconds(-1)));

        Assert.True(session.NeedsSignIn);
        Assert.Null(await session.GetAccessTokenAsync());
    }

    [Fact]
    public async Task WhenTheServerNeedsNoSignIn_NothingShows_AndNoTokenIsSent()
    {
        await StartAsync("""{"authenticationRequired":false,"developmentSignIn":true}""");

        var cut = Render<SignIn>();

        Assert.Empty(cut.Markup.Trim());
        Assert.False(session.NeedsSignIn);
        Assert.Null(await session.GetAccessTokenAsync());
        Assert.Empty(JSInterop.Invocations["agentPulse.auth.load"]);
    }

    [Fact]
    public async Task TheToken_GoesOnEveryRestRequest_AndIsRenewedShortlyBeforeItExpires()
    {
        await StartAsync(Required, stored: Issued("alice", Start.AddHours(1)));
        var api = new AgentPulseApi(new HttpClient(new BearerTokenHandler(() => session) { InnerHandler = Api }) { BaseAddress = new Uri("http://localhost:8000/") });

        await api.GetDocumentsAsync();
        Assert.Equal(new AuthenticationHeaderValue("Bearer", "token-of-alice-" + Start.AddHours(1).ToUnixTimeSeconds()), requests[^1].Headers.Authorization);

        Time.Advance(TimeSpan.FromMinutes(57)); // 3 minutes left: still good
        await api.GetDocumentsAsync();
        Assert.Equal(1, requests.Count(r => r.RequestUri!.AbsolutePath == "/api/auth/development-token") + 1);

        Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1)); // under 2 minutes left: a new one, for the same name
        Api.Respond = request =>
        {
            requests.Add(request);
            return request.RequestUri!.AbsolutePath == "/api/auth/development-token"
                ? FakeApi.Json(Issued("alice", Start.AddHours(2)))
                : FakeApi.Json("""{"documents":[]}""");
        };
        await api.GetDocumentsAsync();
        Assert.Equal(1, requests.Count(r => r.RequestUri!.AbsolutePath == "/api/auth/development-token"));
        Assert.Equal(new AuthenticationHeaderValue("Bearer", "token-of-alice-" + Start.AddHours(2).ToUnixTimeSeconds()), requests[^1].Headers.Authorization);
    }
}
