using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace AgentPulse.Web;

/// <summary>
/// Who the page is signed in as, and the access token it uses: as <c>Authorization: Bearer</c> on the REST API
/// (<see cref="BearerTokenHandler"/>, and the uploads), and as the client's token provider on the WebSocket. On a
/// server that requires authentication, the development sign-in mints a token for a name
/// (<c>POST /api/auth/development-token</c>). The token lives in the tab's <c>sessionStorage</c>, so a reload
/// keeps it and closing the tab forgets it; signing in or out reloads the page, so that every view starts
/// over with the new user's data. One for the app; <see cref="SignIn"/> (a component in the header) shows it.
/// </summary>
public sealed class AuthSession
{
    // A dev token is minted again this long before it expires; the client asks for its refresh a minute before.
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(2);
    private const string StorageKey = "agentpulse.session";

    private readonly HttpClient http;
    private readonly IJSRuntime js;
    private readonly NavigationManager navigation;
    private readonly TimeProvider time;
    private AccessTokenIssued? session;
    private DotNetObjectReference<AuthSession>? reference;

    /// <summary>Makes the session; <paramref name="http"/> reaches the server's <c>/api/auth</c> without a token.</summary>
    public AuthSession(HttpClient http, IJSRuntime js, NavigationManager navigation, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(js);
        ArgumentNullException.ThrowIfNull(navigation);
        ArgumentNullException.ThrowIfNull(time);
        this.http = http;
        this.js = js;
        this.navigation = navigation;
        this.time = time;
    }

    /// <summary>What the server said about sign-in; <c>null</c> until <see cref="InitializeAsync"/>, or when it could not be asked.</summary>
    public AuthInfo? Info { get; private set; }

    /// <summary>Whether the server requires a signed-in user.</summary>
    public bool Required => Info?.AuthenticationRequired == true;

    /// <summary>The signed-in user's name; <c>null</c> when nobody is.</summary>
    public string? User => session?.User;

    /// <summary>Whether the page must sign in before it shows anything (the client does not start until then).</summary>
    public bool NeedsSignIn => Required && session is null;

    /// <summary>Asks the server whether sign-in is required, and takes the tab's stored token back if it is still good.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            Info = await http.GetFromJsonAsync("api/auth", AgentPulseJsonContext.Default.AuthInfo, cancellationToken);
        }
        catch (HttpRequestException)
        {
            Info = null; // an older server, or unreachable: behave as without authentication; the status shows the rest
        }
        if (!Required)
        {
            return;
        }
        if (await js.InvokeAsync<string?>("agentPulse.auth.load", cancellationToken, StorageKey) is { Length: > 0 } stored)
        {
            try
            {
                var restored = JsonSerializer.Deserialize(stored, AgentPulseJsonContext.Default.AccessTokenIssued);
                session = restored is not null && restored.ExpiresAt > time.GetUtcNow() ? restored : null;
            }
            catch (JsonException)
            {
                session = null;
            }
        }
        // Uploads go through the browser's XMLHttpRequest: they ask for the token here.
        reference ??= DotNetObjectReference.Create(this);
        await js.InvokeVoidAsync("agentPulse.auth.register", cancellationToken, reference);
    }

    /// <summary>The token for the next request or connect: renewed through the development sign-in when it is about to expire; <c>null</c> when signed out.</summary>
    [JSInvokable]
    public async Task<string?> GetAccessTokenAsync()
    {
        if (session is { } current && current.ExpiresAt - time.GetUtcNow() < RenewBefore && Info?.DevelopmentSignIn == true)
        {
            try
            {
                await StoreAsync(await MintAsync(current.User));
            }
            catch (ApiException)
            {
                // Keep the old one while it lasts; the server says 401 after.
            }
        }
        return session?.AccessToken;
    }

    /// <summary>The client's token provider.</summary>
    public ValueTask<string?> GetAccessTokenAsync(CancellationToken cancellationToken) => new(GetAccessTokenAsync());

    /// <summary>Signs in as <paramref name="name"/> through the development sign-in, then reloads the page as that user.</summary>
    /// <exception cref="ApiException">The server refused (a bad name, no development sign-in); the message is fit to show.</exception>
    public async Task SignInAsync(string name)
    {
        await StoreAsync(await MintAsync(name));
        navigation.NavigateTo(navigation.Uri, forceLoad: true);
    }

    /// <summary>Forgets the token and reloads the page, signed out.</summary>
    public async Task SignOutAsync()
    {
        session = null;
        await js.InvokeVoidAsync("agentPulse.auth.store", StorageKey, null);
        navigation.NavigateTo(navigation.Uri, forceLoad: true);
    }

    private async Task<AccessTokenIssued> MintAsync(string name)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync("api/auth/development-token", new DevelopmentTokenRequest(name), AgentPulseJsonContext.Default.DevelopmentTokenRequest);
        }
        catch (HttpRequestException ex)
        {
            throw new ApiException("The server could not be reached.", ex);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                throw new ApiException(ApiException.MessageOf((int)response.StatusCode, body), (int)response.StatusCode);
            }
            return JsonSerializer.Deserialize(body, AgentPulseJsonContext.Default.AccessTokenIssued)
                ?? throw new ApiException("The server's answer was empty.");
        }
    }

    private async Task StoreAsync(AccessTokenIssued issued)
    {
        session = issued;
        await js.InvokeVoidAsync("agentPulse.auth.store", StorageKey, JsonSerializer.Serialize(issued, AgentPulseJsonContext.Default.AccessTokenIssued));
    }
}

/// <summary>Puts the session's token on every REST request, as <c>Authorization: Bearer</c>.</summary>
/// <param name="session">Gives the session when the first request goes (so that making the handler needs no browser yet).</param>
public sealed class BearerTokenHandler(Func<AuthSession> session) : DelegatingHandler
{
    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await session().GetAccessTokenAsync() is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await base.SendAsync(request, cancellationToken);
    }
}
