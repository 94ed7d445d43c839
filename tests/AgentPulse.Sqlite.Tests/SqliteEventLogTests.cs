using System.Security.Cryptography;
using System.Text.Json;
using AgentPulse.AspNetCore;
using AgentPulse.Protocol;
using AgentPulse.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace AgentPulse.Sqlite.Tests;

public sealed class SqliteEventLogTests : IDisposable
{
    private readonly string path = LogHost.NewPath();

    public void Dispose() => LogHost.DeleteFolder(path);

    private static CloudEvent Note(int i, string source = "/tests") =>
        new() { Type = "agent.note", Source = source, Id = $"n{i}", Data = JsonSerializer.SerializeToElement(new { i }) };

    private static async Task<long[]> PublishAsync(LogHost host, int from, int count)
    {
        var seqs = new long[count];
        for (var i = 0; i < count; i++)
        {
            seqs[i] = (await host.Publisher.PublishAsync(Note(from + i))).Seq;
        }
        return seqs;
    }

    private static long Rows(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM events";
        return (long)command.ExecuteScalar()!;
    }

    private static async Task<JsonElement> WelcomeAsync(RawClient client)
    {
        var welcome = await client.ReceiveFrameAsync();
        Assert.Equal("session.welcome", welcome.GetProperty("type").GetString());
        return welcome.GetProperty("data");
    }

    [Fact]
    public async Task Restart_KeepsTheEpochAndTheSeqs_AndAResumeGetsExactlyWhatItMissed()
    {
        string epoch;
        await using (var first = await LogHost.StartAsync(path))
        {
            var seqs = await PublishAsync(first, 1, 5);
            Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, seqs);
            epoch = first.Log.Epoch;
        }

        await using var second = await LogHost.StartAsync(path);
        Assert.Equal(epoch, second.Log.Epoch);
        Assert.Equal(5, second.Log.LastSeq);
        await using var client = await RawClient.ConnectAsync(second.WebSocketUri($"after=2&epoch={epoch}"));
        var welcome = await WelcomeAsync(client);
        Assert.True(welcome.GetProperty("recovered").GetBoolean());
        Assert.Equal(epoch, welcome.GetProperty("epoch").GetString());
        for (var seq = 3; seq <= 5; seq++)
        {
            var frame = await client.ReceiveFrameAsync();
            Assert.Equal(seq, frame.GetProperty("seq").GetInt64());
            Assert.Equal($"n{seq}", frame.GetProperty("id").GetString());
        }
        Assert.Equal(6, (await second.Publisher.PublishAsync(Note(6))).Seq);
        Assert.Equal(6, (await client.ReceiveFrameAsync()).GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task ConcurrentBatches_EachGetContiguousSeqs_AndEverySeqIsGivenOnce()
    {
        await using var host = await LogHost.StartAsync(path);
        await using var client = await RawClient.ConnectAsync(host.WebSocketUri());
        await WelcomeAsync(client);
        await client.ReceiveFrameAsync(); // snapshot

        const int Publishers = 8, Batches = 25, Size = 7;
        var all = await Task.WhenAll(Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            var seqs = new List<long>();
            for (var b = 0; b < Batches; b++)
            {
                var batch = Enumerable.Range(0, Size).Select(i => Note((((p * Batches) + b) * Size) + i)).ToList();
                var results = await host.Publisher.PublishAsync(batch, EventAudience.Public);
                Assert.All(results, r => Assert.False(r.Duplicate));
                // Contiguous: no other batch's event in between.
                Assert.Equal(Enumerable.Range(0, Size).Select(i => results[0].Seq + i), results.Select(r => r.Seq));
                seqs.AddRange(results.Select(r => r.Seq));
            }
            return seqs;
        })));

        const int Total = Publishers * Batches * Size;
        Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), all.SelectMany(s => s).Order());
        for (var seq = 1; seq <= Total; seq++)
        {
            Assert.Equal(seq, (await client.ReceiveFrameAsync()).GetProperty("seq").GetInt64());
        }
        Assert.Equal(Total, Rows(path));
    }

    [Fact]
    public async Task Repeat_AfterARestart_IsADuplicateWithTheFirstSeq_AndARepeatInABatchToo()
    {
        await using (var first = await LogHost.StartAsync(path))
        {
            await PublishAsync(first, 1, 3);
        }

        await using var second = await LogHost.StartAsync(path);
        var again = await second.Publisher.PublishAsync(Note(2));
        Assert.Equal(new PublishResult(2, "n2", Duplicate: true), again);
        var batch = await second.Publisher.PublishAsync([Note(4), Note(3), Note(4)], EventAudience.Public);
        Assert.Equal([new PublishResult(4, "n4", false), new PublishResult(3, "n3", true), new PublishResult(4, "n4", true)], batch);
        Assert.Equal(4, Rows(path));
    }

    [Fact]
    public async Task FullDisk_FailsTheAppend_DeliversNothingOfIt_KeepsTheConnection_AndTheNextEventTakesItsSeq()
    {
        await using var host = await LogHost.StartAsync(path);
        await using var client = await RawClient.ConnectAsync(host.WebSocketUri());
        var epoch = (await WelcomeAsync(client)).GetProperty("epoch").GetString();
        await client.ReceiveFrameAsync(); // snapshot
        await PublishAsync(host, 1, 2);
        Assert.Equal(1, (await client.ReceiveFrameAsync()).GetProperty("seq").GetInt64());
        Assert.Equal(2, (await client.ReceiveFrameAsync()).GetProperty("seq").GetInt64());

        // The file may not grow any more: SQLite answers SQLITE_FULL, as on a full disk.
        await host.Log.RunOnWriterAsync(c => Execute(c, $"PRAGMA max_page_count = {Scalar(c, "PRAGMA page_count")}"));
        var big = Enumerable.Range(100, 50).Select(i => Note(i) with { Data = JsonSerializer.SerializeToElement(new string('x', 2000)) }).ToList();
        var failure = await Assert.ThrowsAsync<EventLogUnavailableException>(async () => await host.Publisher.PublishAsync(big, EventAudience.Public));
        Assert.Contains(path, failure.Message, StringComparison.Ordinal);
        Assert.Equal(2, host.Log.LastSeq);

        // The connection is served meanwhile, and was sent nothing of the failed batch.
        await client.SendTextAsync("""{"op":"ping","id":"still-there"}""");
        var pong = await client.ReceiveFrameAsync();
        Assert.Equal("session.pong", pong.GetProperty("type").GetString());

        // Room again: the next event takes the seq the failed batch never got, and arrives next.
        await host.Log.RunOnWriterAsync(c => Execute(c, "PRAGMA max_page_count = 1073741823"));
        Assert.Equal(3, (await host.Publisher.PublishAsync(Note(3))).Seq);
        var next = await client.ReceiveFrameAsync();
        Assert.Equal(3, next.GetProperty("seq").GetInt64());
        Assert.Equal("n3", next.GetProperty("id").GetString());
        Assert.Equal(3, Rows(path));
        Assert.Equal(epoch, host.Log.Epoch);
    }

    [Fact]
    public async Task Resume_OlderThanTheMemoryWindow_IsReadFromTheDatabaseInPages_WithTheLiveBytes()
    {
        await using var host = await LogHost.StartAsync(path, agentPulse: o => o.ReplayBatchSize = 4, sqlite: o => o.MemoryWindow = 10);
        await using var live = await RawClient.ConnectAsync(host.WebSocketUri());
        await WelcomeAsync(live);
        await live.ReceiveFrameAsync(); // snapshot
        await PublishAsync(host, 1, 50);
        var liveFrames = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            liveFrames.Add((await live.ReceiveFrameAsync()).GetRawText());
        }

        // The window holds 41..50; older reads stop at its start, a page at a time.
        var page = await host.Log.ReadAfterAsync(5, 4);
        Assert.True(page.Complete);
        Assert.Equal([6L, 7L, 8L, 9L], page.Events.Select(e => e.Seq));
        var toWindow = await host.Log.ReadAfterAsync(30, 100);
        Assert.Equal(Enumerable.Range(31, 10).Select(i => (long)i), toWindow.Events.Select(e => e.Seq));

        await using var resumed = await RawClient.ConnectAsync(host.WebSocketUri($"after=5&epoch={host.Log.Epoch}"));
        Assert.True((await WelcomeAsync(resumed)).GetProperty("recovered").GetBoolean());
        for (var seq = 6; seq <= 50; seq++)
        {
            Assert.Equal(liveFrames[seq - 1], (await resumed.ReceiveFrameAsync()).GetRawText());
        }
    }

    [Fact]
    public async Task Trim_KeepsTheRetentionCount_AndAResumeOlderThanRetentionGetsASnapshot()
    {
        await using var host = await LogHost.StartAsync(path, agentPulse: o => o.LogRetentionCount = 100);
        await PublishAsync(host, 1, 300);
        Assert.InRange(Rows(path), 100, 110); // trimmed in batches as it goes
        await host.Log.TrimAsync();
        Assert.Equal(100, Rows(path));

        await using var old = await RawClient.ConnectAsync(host.WebSocketUri($"after=150&epoch={host.Log.Epoch}"));
        var welcome = await WelcomeAsync(old);
        Assert.False(welcome.GetProperty("recovered").GetBoolean());
        Assert.Equal(300, welcome.GetProperty("seq").GetInt64());
        Assert.Equal("session.snapshot", (await old.ReceiveFrameAsync()).GetProperty("type").GetString());

        await using var recent = await RawClient.ConnectAsync(host.WebSocketUri($"after=200&epoch={host.Log.Epoch}"));
        Assert.True((await WelcomeAsync(recent)).GetProperty("recovered").GetBoolean());
        Assert.Equal(201, (await recent.ReceiveFrameAsync()).GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Trim_ByAge_EmptiesTheFile_ButSeqsNeverStartOver()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T17:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using (var host = await LogHost.StartAsync(path, agentPulse: o => o.LogRetentionAge = TimeSpan.FromMinutes(10), time: time))
        {
            await PublishAsync(host, 1, 10);
            time.Advance(TimeSpan.FromMinutes(9));
            await host.Log.TrimAsync();
            Assert.Equal(10, Rows(path));
            time.Advance(TimeSpan.FromMinutes(2));
            await host.Log.TrimAsync();
            Assert.Equal(0, Rows(path));
            Assert.False((await host.Log.ReadAfterAsync(5, 10)).Complete);
            Assert.True((await host.Log.ReadAfterAsync(10, 10)).Complete);
        }

        await using var again = await LogHost.StartAsync(path, time: time);
        Assert.Equal(10, again.Log.LastSeq);
        Assert.Equal(11, (await again.Publisher.PublishAsync(Note(11))).Seq);
    }

    [Fact]
    public async Task DamagedFile_FailsTheStart_NamingTheFile_AndLeavesItUntouched()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var garbage = RandomNumberGenerator.GetBytes(8192);
        await File.WriteAllBytesAsync(path, garbage);

        var failure = await Assert.ThrowsAsync<EventLogUnavailableException>(() => LogHost.StartAsync(path));

        Assert.Contains(path, failure.Message, StringComparison.Ordinal);
        Assert.Contains("move it aside", failure.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task AnotherSqliteDatabase_IsNotTakenForALog()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            Execute(connection, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
        }
        var before = await File.ReadAllBytesAsync(path);

        var failure = await Assert.ThrowsAsync<EventLogUnavailableException>(() => LogHost.StartAsync(path));

        Assert.Contains("not an AgentPulse event log", failure.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task ASecondServerOnTheSameFile_IsRefused()
    {
        await using var first = await LogHost.StartAsync(path);

        var failure = await Assert.ThrowsAsync<EventLogUnavailableException>(() => LogHost.StartAsync(path));

        Assert.Contains("in use by another process", failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await first.Publisher.PublishAsync(Note(1))).Seq);
    }

    [Theory]
    [InlineData(SqliteSynchronous.Normal, "0", true)]
    [InlineData(SqliteSynchronous.Normal, "1", false)]
    [InlineData(SqliteSynchronous.Full, "0", false)]
    public async Task MachineRestart_WhileTheLogWasOpen_RenewsTheEpoch_OnlyWhenCommitsCouldBeLost(SqliteSynchronous synchronous, string closedCleanly, bool renewed)
    {
        string epoch;
        await using (var first = await LogHost.StartAsync(path, sqlite: o => o.Synchronous = synchronous))
        {
            await PublishAsync(first, 1, 3);
            epoch = first.Log.Epoch;
        }
        // As if the log was last opened in another boot of the machine, and (with "0") never closed.
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            Execute(connection, $"UPDATE log_settings SET value = 'an-earlier-boot' WHERE key = 'boot'; UPDATE log_settings SET value = '{closedCleanly}' WHERE key = 'clean'");
        }

        await using var second = await LogHost.StartAsync(path, sqlite: o => o.Synchronous = synchronous);

        Assert.Equal(renewed, epoch != second.Log.Epoch);
        Assert.Equal(4, (await second.Publisher.PublishAsync(Note(4))).Seq);
        await using var client = await RawClient.ConnectAsync(second.WebSocketUri($"after=3&epoch={epoch}"));
        Assert.Equal(!renewed, (await WelcomeAsync(client)).GetProperty("recovered").GetBoolean());
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
