using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Tests.Conntrack;

public class ConntrackTableTests
{
    private static readonly ConnectionTuple Syn = new(IpProtocol.Tcp, Ipv4Address.Parse("10.244.0.5"), 41234, Ipv4Address.Parse("10.96.0.10"), 80);

    private static ConntrackEntry Confirmed(ConntrackTable table, ConnectionTuple tuple, TimeSpan now, TcpFlags flags = TcpFlags.Syn)
    {
        var entry = table.CreateUnconfirmed(tuple, now);
        table.Track(entry, flags, isReply: false, now);
        table.Confirm(entry);
        return entry;
    }

    [Fact]
    public void Lookup_ReplyTuple_FindsTheSameEntryInReplyDirection()
    {
        var table = new ConntrackTable(ConntrackSettings.KubeProxyNode(), seed: 1);
        var entry = table.CreateUnconfirmed(Syn, TimeSpan.Zero);
        table.Track(entry, TcpFlags.Syn, isReply: false, TimeSpan.Zero);
        // DNAT to a backend: the reply will come from the backend, addressed to the client.
        ConntrackTable.SetNatBinding(entry, new ConnectionTuple(IpProtocol.Tcp, Ipv4Address.Parse("10.244.1.2"), 8080, Syn.Source, Syn.SourcePort), destination: true);
        table.Confirm(entry);

        var reply = table.Lookup(entry.Reply, TimeSpan.Zero);

        Assert.Same(entry, reply.Entry);
        Assert.True(reply.IsReply);
        Assert.True(entry.IsDestinationNatted);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Track_ThreeWayHandshake_EstablishedAndAssuredWithKubeProxyTimeout()
    {
        var table = new ConntrackTable(ConntrackSettings.KubeProxyNode(), seed: 1);
        var entry = Confirmed(table, Syn, TimeSpan.Zero);
        Assert.Equal(TcpConntrackState.SynSent, entry.TcpState);
        Assert.Equal(TimeSpan.FromSeconds(120), entry.ExpiresAt);

        table.Track(entry, TcpFlags.Syn | TcpFlags.Ack, isReply: true, TimeSpan.FromMilliseconds(1));
        Assert.Equal(TcpConntrackState.SynRecv, entry.TcpState);
        Assert.False(entry.Assured);

        table.Track(entry, TcpFlags.Ack, isReply: false, TimeSpan.FromMilliseconds(2));
        Assert.Equal(TcpConntrackState.Established, entry.TcpState);
        Assert.True(entry.Assured);
        // kube-proxy sets tcp_timeout_established to 24 h: `conntrack -L` shows 86399 right after.
        Assert.StartsWith("tcp      6 86399 ESTABLISHED src=10.244.0.5 dst=10.96.0.10 sport=41234 dport=80 src=10.96.0.10",
            entry.ToConntrackLine(TimeSpan.FromMilliseconds(2)));
    }

    [Fact]
    public void Track_SynAckFromOriginalSide_Invalid()
    {
        var table = new ConntrackTable(ConntrackSettings.KernelDefaults, seed: 1);
        var entry = Confirmed(table, Syn, TimeSpan.Zero);
        Assert.False(table.Track(entry, TcpFlags.Syn | TcpFlags.Ack, isReply: false, TimeSpan.Zero));
        Assert.Equal(TcpConntrackState.SynSent, entry.TcpState);
    }

    [Theory]
    [InlineData(TcpConntrackState.Established, TcpFlags.Fin | TcpFlags.Ack, false, TcpConntrackState.FinWait)]
    [InlineData(TcpConntrackState.FinWait, TcpFlags.Ack, true, TcpConntrackState.CloseWait)]
    [InlineData(TcpConntrackState.CloseWait, TcpFlags.Fin | TcpFlags.Ack, true, TcpConntrackState.LastAck)]
    [InlineData(TcpConntrackState.LastAck, TcpFlags.Ack, false, TcpConntrackState.TimeWait)]
    [InlineData(TcpConntrackState.Established, TcpFlags.Rst, true, TcpConntrackState.Close)]
    [InlineData(TcpConntrackState.TimeWait, TcpFlags.Syn, false, TcpConntrackState.SynSent)]
    public void Next_KernelStateTable(TcpConntrackState from, TcpFlags flags, bool isReply, TcpConntrackState expected) =>
        Assert.Equal(expected, TcpStateMachine.Next(from, flags, isReply));

    [Fact]
    public void Lookup_AfterTimeout_EntryExpired()
    {
        var table = new ConntrackTable(ConntrackSettings.KernelDefaults, seed: 1);
        Confirmed(table, Syn, TimeSpan.Zero);

        Assert.NotNull(table.Lookup(Syn, TimeSpan.FromSeconds(119.9)).Entry);
        Assert.Null(table.Lookup(Syn, TimeSpan.FromSeconds(120)).Entry);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Track_UdpReplyThenTrafficAfterTwoSeconds_StreamTimeoutAndAssured()
    {
        var table = new ConntrackTable(ConntrackSettings.KernelDefaults, seed: 1);
        var dns = new ConnectionTuple(IpProtocol.Udp, Ipv4Address.Parse("10.244.0.5"), 5353, Ipv4Address.Parse("10.96.0.10"), 53);
        var entry = Confirmed(table, dns, TimeSpan.Zero, TcpFlags.None);
        Assert.Equal(TimeSpan.FromSeconds(30), entry.ExpiresAt);

        table.Track(entry, TcpFlags.None, isReply: true, TimeSpan.FromSeconds(0.5));
        Assert.Equal(TimeSpan.FromSeconds(30.5), entry.ExpiresAt);
        Assert.False(entry.Assured);

        table.Track(entry, TcpFlags.None, isReply: false, TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(123), entry.ExpiresAt);
        Assert.True(entry.Assured);
    }

    [Fact]
    public void TryMakeRoom_TableFull_EvictsUnassuredOrRefuses()
    {
        var table = new ConntrackTable(new ConntrackSettings { Max = 2, Buckets = 4 }, seed: 7);
        var first = Confirmed(table, Syn, TimeSpan.Zero);
        var second = Confirmed(table, Syn with { SourcePort = 41235 }, TimeSpan.Zero);
        var third = Syn with { SourcePort = 41236 };

        // Both are unassured (SYN_SENT): one nearby is evicted to make room.
        Assert.True(table.TryMakeRoom(third, out var evicted));
        Assert.True(evicted == first || evicted == second);
        Assert.Equal(1, table.Count);

        var survivor = evicted == first ? second : first;
        survivor.Assured = true;
        var replacement = Confirmed(table, third, TimeSpan.Zero);
        replacement.Assured = true;
        // Now every entry is assured: the kernel drops the new connection's packet instead.
        Assert.False(table.TryMakeRoom(Syn with { SourcePort = 41237 }, out _));
    }

    [Fact]
    public void Settings_KubeProxyNode_MaxAndBuckets()
    {
        Assert.Equal(131_072, ConntrackSettings.KubeProxyNode(2).Max);
        Assert.Equal(32_768, ConntrackSettings.KubeProxyNode(2).Buckets);
        Assert.Equal(262_144, ConntrackSettings.KubeProxyNode(8).Max);
        Assert.Equal(TimeSpan.FromHours(1), ConntrackSettings.KubeProxyNode().TcpCloseWait);
    }
}
