using System.Text.Json;
using System.Text.Json.Nodes;
using AgentPulse.Protocol;
using AgentPulse.Protocol.Contracts;

namespace AgentPulse.Protocol.Tests;

public sealed class WireFormatTests
{
    // Literally as DESIGN.md writes it.
    private const string DesignEvent = """
        {"specversion":"1.0","id":"0b4f9e2a-3c1d","source":"/agents/indexer","type":"task.progress",
         "time":"2026-11-25T17:00:00.123Z","subject":"tasks/7f3a","seq":1042,
         "datacontenttype":"application/json",
         "data":{"taskId":"7f3a","progress":0.42,"stage":"indexing","message":"chunk 21 of 50"}}
        """;

    private static void AssertSameJson(string expected, ReadOnlySpan<byte> actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}\nactual   {System.Text.Encoding.UTF8.GetString(actual)}");

    [Fact]
    public void DesignEvent_ReadsIntoTheEnvelopeAndPayload()
    {
        var cloudEvent = JsonSerializer.Deserialize(DesignEvent, AgentPulseJsonContext.Default.CloudEvent)!;

        Assert.Equal("1.0", cloudEvent.SpecVersion);
        Assert.Equal("0b4f9e2a-3c1d", cloudEvent.Id);
        Assert.Equal("/agents/indexer", cloudEvent.Source);
        Assert.Equal(EventTypes.TaskProgress, cloudEvent.Type);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 17, 0, 0, 123, TimeSpan.Zero), cloudEvent.Time);
        Assert.Equal("tasks/7f3a", cloudEvent.Subject);
        Assert.Equal(1042, cloudEvent.Seq);
        var progress = cloudEvent.GetData<TaskProgress>()!;
        Assert.Equal(new TaskProgress("7f3a", 0.42, "indexing", "chunk 21 of 50", null, null), progress);
    }

    [Fact]
    public void DesignEvent_WritesBackToTheSameJson()
    {
        var cloudEvent = JsonSerializer.Deserialize(DesignEvent, AgentPulseJsonContext.Default.CloudEvent)!;

        AssertSameJson(DesignEvent, Frames.Event(cloudEvent));
    }

    [Fact]
    public void Create_TakesTheTypeFromTheCatalog_AndWritesCamelCase()
    {
        var cloudEvent = CloudEvent.Create(new DocumentIndexed("d1", "notes.md", "text/markdown", 2048, 3, "t1"), "/agents/indexer", "documents/d1", id: "x1",
            time: new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.FromHours(1))) with { Seq = 7 };

        AssertSameJson("""
            {"specversion":"1.0","id":"x1","source":"/agents/indexer","type":"document.indexed","time":"2026-11-25T17:00:00.000Z",
             "subject":"documents/d1","seq":7,"datacontenttype":"application/json",
             "data":{"documentId":"d1","name":"notes.md","contentType":"text/markdown","sizeBytes":2048,"chunkCount":3,"taskId":"t1"}}
            """, Frames.Event(cloudEvent));
    }

    [Theory]
    [InlineData(typeof(TaskStarted), "task.started")]
    [InlineData(typeof(TaskProgress), "task.progress")]
    [InlineData(typeof(TaskCompleted), "task.completed")]
    [InlineData(typeof(TaskFailed), "task.failed")]
    [InlineData(typeof(DocumentIndexed), "document.indexed")]
    [InlineData(typeof(SearchCompleted), "search.completed")]
    public void EveryCatalogPayload_HasItsTypeName(Type payload, string type) =>
        Assert.Equal(type, EventTypes.For(payload));

    [Fact]
    public void CatalogPayloads_RoundTripAgainstLiteralJson()
    {
        RoundTrip("""{"taskId":"7f3a","kind":"document.index","title":"Index notes.md","agent":"indexer","resourceId":"d1"}""", AgentPulseJsonContext.Default.TaskStarted);
        RoundTrip("""{"taskId":"7f3a","progress":1,"stage":"indexing","message":null,"current":50,"total":50}""", AgentPulseJsonContext.Default.TaskProgress);
        RoundTrip("""{"taskId":"7f3a","durationMs":1234,"result":{"chunks":50}}""", AgentPulseJsonContext.Default.TaskCompleted);
        RoundTrip("""{"taskId":"7f3a","error":{"code":"unreadable","message":"page 3 of report.pdf could not be read"},"retryable":false}""", AgentPulseJsonContext.Default.TaskFailed);
        RoundTrip("""{"searchId":"s1","query":"agents","totalHits":1,"tookMs":4,"results":[{"documentId":"d1","name":"notes.md","snippet":"<mark>agent</mark> runs","score":1.5}],"taskId":"t9"}""", AgentPulseJsonContext.Default.SearchCompleted);
        RoundTrip("""{"taskId":"t1","kind":"search","title":"Search","agent":"searcher","resourceId":null,"owner":null,"status":"queued","progress":0,"stage":"queued","message":"waiting","startedAt":"2026-11-25T17:00:00.000Z","finishedAt":null,"error":null}""", AgentPulseJsonContext.Default.TaskRecord);
    }

    private static void RoundTrip<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        var value = JsonSerializer.Deserialize(json, info)!;
        AssertSameJson(json, JsonSerializer.SerializeToUtf8Bytes(value, info));
    }

    [Fact]
    public void SessionFrames_AreWrittenAsDesignShowsThem()
    {
        AssertSameJson("""{"type":"session.welcome","data":{"protocolVersion":1,"connectionId":"c1","epoch":"e1","seq":1041,"recovered":true,"heartbeatSeconds":15}}""",
            Frames.Welcome(new SessionWelcome(1, "c1", "e1", 1041, true, 15)));
        AssertSameJson("""{"type":"session.heartbeat","data":{"seq":1042}}""", Frames.Heartbeat(1042));
        AssertSameJson("""{"type":"session.subscribed","data":{"types":["task.*"]}}""", Frames.Subscribed(["task.*"]));
        AssertSameJson("""{"type":"session.pong","data":{"id":"p1"}}""", Frames.Pong("p1"));
        AssertSameJson("""{"type":"session.error","data":{"code":"bad_request","message":"no"}}""", Frames.Error("bad_request", "no"));
        AssertSameJson("""{"type":"session.snapshot","data":{"tasks":[]}}""", Frames.Snapshot(new SessionSnapshot([])));
    }

    [Fact]
    public void ClientOperations_ReadAsDesignWritesThem()
    {
        var subscribe = JsonSerializer.Deserialize("""{"op":"subscribe","types":["task.*"]}""", AgentPulseJsonContext.Default.ClientOperation)!;
        Assert.Equal(ClientOps.Subscribe, subscribe.Op);
        Assert.Equal(["task.*"], subscribe.Types!);
        AssertSameJson("""{"op":"ping","id":"42"}""", Frames.Operation(new ClientOperation { Op = ClientOps.Ping, Id = "42" }));
    }

    [Theory]
    [InlineData("""{"type":"task.progress","seq":3}""", "task.progress")]
    [InlineData("""{"data":{"type":"inner"},"type":"session.welcome"}""", "session.welcome")]
    [InlineData("""{"type":5}""", null)]
    [InlineData("""[1,2]""", null)]
    [InlineData("""{not json""", null)]
    public void ReadType_FindsTheTopLevelTypeOnly(string json, string? expected) =>
        Assert.Equal(expected, Frames.ReadType(System.Text.Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void UnknownExtensions_AreSkipped_AndMissingOptionalAttributes_TakeTheirDefaults()
    {
        var cloudEvent = JsonSerializer.Deserialize("""
            {"type":"agent.note","ext":{"deep":[1,{"x":2}]},"traceparent":"00-ab","source":"/a","id":"1","seq":5,"data":[1,2]}
            """, AgentPulseJsonContext.Default.CloudEvent)!;

        Assert.Equal(("agent.note", "/a", "1", 5L), (cloudEvent.Type, cloudEvent.Source, cloudEvent.Id, cloudEvent.Seq));
        Assert.Equal("1.0", cloudEvent.SpecVersion);
        Assert.Equal("application/json", cloudEvent.DataContentType);
        Assert.Null(cloudEvent.Time);
        Assert.Null(cloudEvent.Subject);
        Assert.Equal(2, cloudEvent.Data!.Value.GetArrayLength());
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("""{"type":5}""")]
    [InlineData("""{"seq":"seven"}""")]
    [InlineData("""{"type":"a.b" """)]
    public void MalformedEnvelopes_AreJsonErrors(string json) =>
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(json, AgentPulseJsonContext.Default.CloudEvent));

    [Fact]
    public void Parse_KeepsThePayloadAsItCame_AndGivesTheSameAsTheSerializer()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(DesignEvent);

        var parsed = CloudEvent.Parse(bytes);
        var deserialized = JsonSerializer.Deserialize(DesignEvent, AgentPulseJsonContext.Default.CloudEvent)!;

        Assert.Equal(deserialized.GetData<TaskProgress>(), parsed.GetData<TaskProgress>());
        Assert.Equal((deserialized.Id, deserialized.Seq, deserialized.Time), (parsed.Id, parsed.Seq, parsed.Time));
        AssertSameJson(DesignEvent, Frames.Event(parsed));
        Assert.Equal(0.42, parsed.Data!.Value.GetProperty("progress").GetDouble());
        AssertSameJson(DesignEvent, Frames.Event(parsed));
        Assert.Equal(7, (parsed with { Seq = 7 }).Seq);
        Assert.Equal("7f3a", (parsed with { Seq = 7 }).GetData<TaskProgress>()!.TaskId);
    }

    [Theory]
    [InlineData("""{"type":"a.b","data":"text"}""", "\"text\"")]
    [InlineData("""{"type":"a.b","data":42,"seq":3}""", "42")]
    [InlineData("""{"type":"a.b","data":[1,{"x":[2]}]}""", "[1,{\"x\":[2]}]")]
    [InlineData("""{"type":"a.b","data":null}""", null)]
    [InlineData("""{"type":"a.b"}""", null)]
    public void Parse_TakesEveryKindOfPayload(string json, string? expected)
    {
        var parsed = CloudEvent.Parse(System.Text.Encoding.UTF8.GetBytes(json));

        Assert.Equal(expected, parsed.Data?.GetRawText());
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1]")]
    [InlineData("""{"type":"a.b","data":{"x":1}""")]
    public void Parse_RefusesWhatIsNotAnEvent(string json) =>
        Assert.ThrowsAny<JsonException>(() => CloudEvent.Parse(System.Text.Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData(DocumentStatus.Indexing, "indexing")]
    [InlineData(DocumentStatus.Indexed, "indexed")]
    [InlineData(DocumentStatus.Failed, "failed")]
    public void DocumentRecord_WritesTheRestApisShape_WithItsStatusInLowerCase(DocumentStatus status, string text)
    {
        var document = new DocumentRecord("d1", "notes.md", "text/markdown", 2048, status, 3, "t1",
            new DateTimeOffset(2026, 11, 25, 17, 0, 0, 123, TimeSpan.Zero), null, new TaskError("unreadable", "damaged"));

        var json = JsonSerializer.SerializeToUtf8Bytes(new DocumentList([document]), AgentPulseJsonContext.Default.DocumentList);

        AssertSameJson($$$"""
            {"documents":[{"documentId":"d1","name":"notes.md","contentType":"text/markdown","sizeBytes":2048,"status":"{{{text}}}",
              "chunkCount":3,"taskId":"t1","createdAt":"2026-11-25T17:00:00.123Z","indexedAt":null,"error":{"code":"unreadable","message":"damaged"}}]}
            """, json);
        Assert.Equal(document, JsonSerializer.Deserialize(json, AgentPulseJsonContext.Default.DocumentList)!.Documents.Single());
    }

    [Fact]
    public void SearchRecord_AndTheAnswersOfPosts_WriteTheRestApisShape()
    {
        var search = new SearchRecord("s1", "agents", SearchStatus.Completed, "t2", 1, 4, [new SearchHit("d1", "notes.md", "<mark>agents</mark>", 1.5)], null);

        AssertSameJson("""
            {"searchId":"s1","query":"agents","status":"completed","taskId":"t2","totalHits":1,"tookMs":4,
             "results":[{"documentId":"d1","name":"notes.md","snippet":"<mark>agents</mark>","score":1.5}],"error":null}
            """, JsonSerializer.SerializeToUtf8Bytes(search, AgentPulseJsonContext.Default.SearchRecord));
        AssertSameJson("""{"searchId":"s1","taskId":"t2"}""", JsonSerializer.SerializeToUtf8Bytes(new SearchAccepted("s1", "t2"), AgentPulseJsonContext.Default.SearchAccepted));
        AssertSameJson("""{"documents":[{"documentId":"d1","taskId":"t1","name":"notes.md"}]}""",
            JsonSerializer.SerializeToUtf8Bytes(new DocumentsAccepted([new AcceptedDocument("d1", "t1", "notes.md")]), AgentPulseJsonContext.Default.DocumentsAccepted));
        AssertSameJson("""{"seq":7,"id":"e1","duplicate":false}""", JsonSerializer.SerializeToUtf8Bytes(new EventAccepted(7, "e1", false), AgentPulseJsonContext.Default.EventAccepted));
        AssertSameJson("""{"events":[{"seq":7,"id":"e1","duplicate":true}]}""",
            JsonSerializer.SerializeToUtf8Bytes(new EventsAccepted([new EventAccepted(7, "e1", true)]), AgentPulseJsonContext.Default.EventsAccepted));
        Assert.Equal(new SearchRequest("agents", null), JsonSerializer.Deserialize("""{"query":"agents"}""", AgentPulseJsonContext.Default.SearchRequest));
    }
}
