using System.Net;
using AgentPulse.Testing;

namespace AgentPulse.Server.Tests;

/// <summary>The real server as a deployment runs it: its own process, started from a folder of its own (no appsettings.json there).</summary>
public sealed class LoggingTests
{
    private const string Secret = "secret-xyz";

    [Theory]
    [InlineData(null)]
    [InlineData("Trace")]
    public async Task AccessToken_IsInNoLogLine_WhereverTheServerStarts_AtAnyLevel(string? level)
    {
        var folder = Path.Combine(Path.GetTempPath(), "agentpulse-tests", Guid.NewGuid().ToString("N"));
        var dataPath = Path.Combine(folder, "data");
        Directory.CreateDirectory(folder);
        try
        {
            // Without a level the defaults hold; with one, everything is logged, ASP.NET Core's request lines included.
            string[] arguments = level is null ? [] : [$"--Logging:LogLevel:Default={level}", $"--Logging:LogLevel:Microsoft={level}", $"--Logging:LogLevel:Microsoft.AspNetCore={level}"];
            await using var server = await ServerProcess.StartAsync(dataPath, workingDirectory: folder, arguments: arguments);

            await using (var client = await RawClient.ConnectAsync(server.WebSocketUri($"access_token={Secret}")))
            {
                Assert.Equal("session.welcome", (await client.ReceiveFrameAsync()).Str("type"));
            }
            using (var http = new HttpClient { BaseAddress = server.BaseAddress })
            using (var response = await http.GetAsync(new Uri($"api/documents?x=1&access_token={Secret}", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            await server.TerminateAsync(TimeSpan.FromSeconds(60));

            Assert.DoesNotContain(Secret, server.Output, StringComparison.Ordinal);
            if (level is not null)
            {
                // The request lines were logged, and the token in them was not.
                Assert.Contains("/ws/agents?access_token=", server.Output, StringComparison.Ordinal);
                Assert.Contains("/api/documents?x=1&access_token=", server.Output, StringComparison.Ordinal);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
