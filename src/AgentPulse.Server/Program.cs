using AgentPulse.AspNetCore;
using AgentPulse.Server;
using AgentPulse.Server.Documents;
using AgentPulse.Server.Identity;

// A PDF is read in a process of its own: this assembly, started by PdfProcess.
if (args is [PdfProcess.ChildVerb, .. var rest])
{
    return await PdfProcess.RunChildAsync(rest, Console.OpenStandardOutput());
}

if (IdentityCommands.IsCommand(args))
{
    // token, apikey, signing-key: run with the server's configuration, instead of the server.
    return IdentityCommands.Run(args, Console.Out, Console.Error);
}

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
