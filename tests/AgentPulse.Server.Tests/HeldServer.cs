using AgentPulse.Server.Tasks;
using AgentPulse.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPulse.Server.Tests;

/// <summary>The server with a <see cref="TaskGate"/> at its checkpoints, and, when given, a log recorder and a clock of the test's own.</summary>
internal static class HeldServer
{
    public static Task<RunningServer> StartAsync(TaskGate gate, ServerLog? log = null, TimeProvider? clock = null, Dictionary<string, string?>? settings = null) =>
        RunningServer.StartAsync(settings, builder =>
        {
            builder.Services.AddSingleton<ITaskCheckpoints>(gate);
            log?.AddTo(builder);
            if (clock is not null)
            {
                builder.Services.AddSingleton(clock);
            }
        });
}
