using AgentPulse.AspNetCore;
using AgentPulse.Server;

var app = AgentPulseApp.Build(args);
try
{
    await app.RunAsync();
    return 0;
}
catch (EventLogUnavailableException ex)
{
    // The log could not be opened (damaged, not ours, in use): say which file and what to do, and fail.
    await Console.Error.WriteLineAsync($"AgentPulse could not start. {ex.Message}");
    return 1;
}
