using AgentPulse.Client.Internal;
using AgentPulse.Protocol;

namespace AgentPulse.Client.Tests;

/// <summary>The small classes the client is made of, alone.</summary>
public sealed class InternalsTests
{
    [Theory]
    [InlineData(CloseCodes.Normal, DisconnectReason.ClosedByServer, true)]
    [InlineData(CloseCodes.Unauthorized, DisconnectReason.Unauthorized, true)]
    [InlineData(CloseCodes.PolicyViolation, DisconnectReason.PolicyViolation, true)]
    [InlineData(CloseCodes.MessageTooBig, DisconnectReason.MessageTooBig, true)]
    [InlineData(CloseCodes.GoingAway, DisconnectReason.ServerGoingAway, false)]
    [InlineData(CloseCodes.SlowConsumer, DisconnectReason.SlowConsumer, false)]
    [InlineData(1011, DisconnectReason.OtherCloseCode, false)]
    [InlineData(4999, DisconnectReason.OtherCloseCode, false)]
    public void ConnectionEnd_FromACloseCode_SaysWhyAndWhetherToReconnect(int code, DisconnectReason reason, bool terminal)
    {
        var end = ConnectionEnd.Closed(welcomed: true, code, "text");

        Assert.Equal(new ConnectionEnd(true, reason, terminal, code, "text"), end);
    }

    [Fact]
    public void ResumePosition_ClassifiesEveryWelcome_AndDropsRepeats()
    {
        var position = new ResumePosition();
        Assert.Null(position.After);

        Assert.Equal(ResyncReason.Initial, position.Welcome(Welcome("e1", seq: 10, recovered: false)));
        Assert.Equal((10L, "e1", (long?)10), (position.LastSeq, position.Epoch, position.After));
        Assert.True(position.TryAdvance(11));
        Assert.False(position.TryAdvance(11));
        Assert.False(position.TryAdvance(3));

        Assert.Null(position.Welcome(Welcome("e1", seq: 50, recovered: true))); // the missed events follow: the position stays
        Assert.Equal(11, position.LastSeq);
        Assert.Equal(ResyncReason.Gap, position.Welcome(Welcome("e1", seq: 500, recovered: false)));
        Assert.Equal(ResyncReason.LogReset, position.Welcome(Welcome("e2", seq: 0, recovered: false)));
        Assert.Equal((0L, "e2"), (position.LastSeq, position.Epoch));
        Assert.True(position.TryAdvance(1));
    }

    [Fact]
    public void SubscriptionSet_KeepsTheUnion_AndSignalsOnlyItsChanges()
    {
        var changes = 0;
        var set = new SubscriptionSet(["search.completed"], () => changes++);
        Assert.Equal(["search.completed"], set.ServerTypes);

        var progress = set.Add(new CallbackSubscription(set, TypePattern.Parse("task.progress"), _ => default));
        var again = set.Add(new CallbackSubscription(set, TypePattern.Parse("task.progress"), _ => default));
        Assert.Equal(["search.completed", "task.progress"], set.ServerTypes);
        Assert.Equal(1, changes);

        var everything = set.Add(new CallbackSubscription(set, TypePattern.Parse("*"), _ => default));
        Assert.Equal(["*"], set.ServerTypes);
        everything.Dispose();
        progress.Dispose();
        Assert.Equal(["search.completed", "task.progress"], set.ServerTypes);
        Assert.Equal(3, changes);
        again.Dispose();
        again.Dispose();
        Assert.Equal((4, 0), (changes, set.All.Length));
    }

    [Fact]
    public void SubscriptionSet_WithNothingWanted_AsksForNoEvent_AndOnceCompleteTakesNoMore()
    {
        var set = new SubscriptionSet([], () => { });

        Assert.Equal([SubscriptionSet.NothingPattern], set.ServerTypes);
        var stream = set.Add(new StreamSubscription(set, TypePattern.Parse("*"), 4));
        set.Complete();

        Assert.True(stream.Reader.Completion.IsCompleted);
        Assert.Throws<ObjectDisposedException>(() => set.Add(new CallbackSubscription(set, TypePattern.Parse("*"), _ => default)));
    }

    private static SessionWelcome Welcome(string epoch, long seq, bool recovered) => new(1, "c1", epoch, seq, recovered, 15);
}
