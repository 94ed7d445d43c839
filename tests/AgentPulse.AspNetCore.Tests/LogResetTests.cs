using AgentPulse.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentPulse.AspNetCore.Tests;

/// <summary>A log that loses its continuity while running (a shared store restarted empty): fan-out tells every connection to resume.</summary>
public sealed class LogResetTests
{
    /// <summary>A log of ten events in epoch e1 that a test resets to e2, at a moment of its choosing.</summary>
    private sealed class ResettableLog : IEventLog
    {
        private IEventLogSink? sink;

        public string Epoch { get; private set; } = "e1";

        public long LastSeq => 10;

        /// <summary>When set, the next read resets the log before it answers (as a reset racing a resume would).</summary>
        public bool ResetOnNextRead { get; set; }

        public Task StartAsync(IEventLogSink sink, CancellationToken cancellationToken = default)
        {
            this.sink = sink;
            return Task.CompletedTask;
        }

        public void Reset()
        {
            Epoch = "e2";
            sink!.OnReset(new LogReset("e2", 10, LogResetReason.NewEpoch));
        }

        public ValueTask<IReadOnlyList<PublishResult>> AppendAsync(IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public ValueTask<LogRead> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken = default)
        {
            if (ResetOnNextRead)
            {
                ResetOnNextRead = false;
                Reset();
            }
            return ValueTask.FromResult(new LogRead([], Complete: afterSeq == 10));
        }
    }

    private static Task<LibraryHost> StartAsync(ResettableLog log) =>
        LibraryHost.StartAsync(
            new Dictionary<string, string?> { ["AgentPulse:MaxUpgradesPerSecond"] = "4" },
            configure: builder => builder.Services.Replace(ServiceDescriptor.Singleton<IEventLog>(log)));

    [Fact]
    public async Task AReset_TellsEveryConnectionWhenToComeBack_ThenClosesWith1012()
    {
        var log = new ResettableLog();
        await using var server = await StartAsync(log);
        var clients = new List<Testing.RawClient>();
        for (var i = 0; i < 2; i++)
        {
            var client = await server.ConnectAsync();
            await client.HandshakeAsync();
            clients.Add(client);
        }

        log.Reset();

        // Two connections at four a second: a window of 500 ms.
        var waits = new List<long>();
        foreach (var client in clients)
        {
            var goodbye = (await client.ReceiveAsync())!.Value;
            Assert.Equal("session.goodbye", goodbye.Type());
            waits.Add(goodbye.Data().GetProperty("reconnectAfterMs").GetInt64());
            Assert.Null(await client.ReceiveAsync());
            Assert.Equal(CloseCodes.ServiceRestart, (int)client.Socket.CloseStatus!);
            await client.DisposeAsync();
        }
        Assert.Equal([0L, 250L], waits);

        // Coming back with the old epoch: not recovered, a snapshot, the new epoch.
        await using var back = await server.ConnectAsync("after=10&epoch=e1");
        var welcome = await back.HandshakeAsync();
        Assert.False(welcome.GetProperty("recovered").GetBoolean());
        Assert.Equal("e2", welcome.GetProperty("epoch").GetString());
    }

    [Fact]
    public async Task AResetBetweenAResumesCheckAndItsJoin_ClosesWith1012_InsteadOfClaimingRecovered()
    {
        var log = new ResettableLog();
        await using var server = await StartAsync(log);
        log.ResetOnNextRead = true;

        await using var client = await server.ConnectAsync("after=10&epoch=e1");

        // No welcome of either epoch: the client is told to come back, and is then told the truth.
        Assert.Null(await client.ReceiveAsync());
        Assert.Equal(CloseCodes.ServiceRestart, (int)client.Socket.CloseStatus!);
    }
}
