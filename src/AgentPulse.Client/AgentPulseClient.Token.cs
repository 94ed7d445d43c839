using AgentPulse.Client.Internal;
using AgentPulse.Protocol;

namespace AgentPulse.Client;

public sealed partial class AgentPulseClient
{
    /// <summary>How long before a token's expiry the client refreshes it: a minute, or a fifth of what is left when that is shorter.</summary>
    internal static TimeSpan RefreshWait(TimeSpan left) =>
        TimeSpan.FromTicks(Math.Max(left.Ticks - TimeSpan.FromMinutes(1).Ticks, left.Ticks * 4 / 5));

    /// <summary>
    /// The server said the connection's token expires in <paramref name="seconds"/> (welcome or <c>session.authenticated</c>):
    /// when a token provider is set, ask it for a new token before then and send it in band.
    /// </summary>
    private void ScheduleTokenRefresh(Connection connection, long? seconds)
    {
        if (accessTokenProvider is null || seconds is not { } left)
        {
            return;
        }
        var wait = RefreshWait(TimeSpan.FromSeconds(left));
        LogRefreshScheduled(logger, left, wait);
        connection.ScheduleRefresh(wait, () => _ = RefreshTokenAsync(connection));
    }

    /// <summary>Gets a new token from the provider and has the send loop send it (<c>{"op":"authenticate"}</c>).</summary>
    private async Task RefreshTokenAsync(Connection connection)
    {
        string? token;
        try
        {
            token = await accessTokenProvider!(connection.Aborted).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogTokenRefreshFailed(logger, "the token provider failed", ex);
            return;
        }
        if (string.IsNullOrEmpty(token))
        {
            LogTokenRefreshFailed(logger, "the token provider gave none", null);
            return;
        }
        connection.PendingToken = token;
        sendWanted.Writer.TryWrite(true);
    }

    private void OnAuthenticated(Connection connection, SessionAuthenticated authenticated)
    {
        LogTokenRefreshed(logger, authenticated.TokenExpiresInSeconds);
        ScheduleTokenRefresh(connection, authenticated.TokenExpiresInSeconds);
    }
}
