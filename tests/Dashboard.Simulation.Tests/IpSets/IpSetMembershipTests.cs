using Dashboard.Simulation.IpSets;
using Dashboard.Simulation.Packets;
using static Dashboard.Simulation.Tests.Netfilter.NetfilterTestKit;

namespace Dashboard.Simulation.Tests.IpSets;

public class IpSetMembershipTests
{
    private static readonly bool[] Dst = [false];
    private static readonly bool[] Src = [true];
    private static readonly bool[] DstDst = [false, false];
    private static readonly bool[] SrcDst = [true, false];
    private static readonly bool[] DstDstSrc = [false, false, true];

    private static Packet Packet(IpProtocol protocol, string source, ushort sourcePort, string destination, ushort destinationPort) => new()
    {
        Protocol = protocol,
        Source = Ipv4Address.Parse(source),
        SourcePort = sourcePort,
        Destination = Ipv4Address.Parse(destination),
        DestinationPort = destinationPort,
    };

    private static IpSet Set(IpSetType type, params string[] members)
    {
        var set = new IpSetCollection().Create("S", type, type == IpSetType.BitmapPort
            ? new IpSetOptions { FirstPort = 30000, LastPort = 32767 }
            : IpSetOptions.KubeProxy);
        foreach (var member in members)
        {
            Assert.True(set.Add(IpSetEntry.Parse(type, member)));
        }
        return set;
    }

    [Theory]
    [InlineData(IpProtocol.Tcp, "10.244.1.9", "10.96.0.10", 80, true)]
    [InlineData(IpProtocol.Tcp, "10.244.1.9", "10.96.0.10", 81, false)]
    [InlineData(IpProtocol.Udp, "10.244.1.9", "10.96.0.10", 80, false)]
    [InlineData(IpProtocol.Udp, "10.244.1.9", "10.96.0.10", 53, true)]
    [InlineData(IpProtocol.Tcp, "10.244.1.9", "10.96.0.11", 80, false)]
    public void Test_ClusterIpDstDst_MatchesServiceAddressPortAndProtocol(IpProtocol protocol, string source, string destination, ushort port, bool expected)
    {
        var set = Set(IpSetType.HashIpPort, "10.96.0.10,tcp:80", "10.96.0.10,udp:53");
        Assert.Equal(expected, set.Test(DstDst, Packet(protocol, source, 41000, destination, port)));
    }

    [Fact]
    public void Test_ClusterIpSrcDst_TakesTheAddressFromTheSource()
    {
        var set = Set(IpSetType.HashIpPort, "10.96.0.10,tcp:80");
        // The address dimension now reads the client, the port dimension still the destination port.
        Assert.False(set.Test(SrcDst, Tcp("10.244.1.9", 41000, "10.96.0.10", 80)));
        Assert.True(set.Test(SrcDst, Tcp("10.96.0.10", 41000, "10.244.1.9", 80)));
    }

    [Fact]
    public void Test_PortFlagSrc_TakesTheSourcePort()
    {
        var set = Set(IpSetType.HashIpPort, "10.96.0.10,tcp:80");
        Assert.True(set.Test([false, true], Tcp("10.244.1.9", 80, "10.96.0.10", 41000)));
        Assert.False(set.Test([false, true], Tcp("10.244.1.9", 41000, "10.96.0.10", 80)));
    }

    [Theory]
    [InlineData("10.244.1.5", "10.244.1.5", 8080, true)]
    [InlineData("10.244.1.6", "10.244.1.5", 8080, false)]
    [InlineData("10.244.1.5", "10.244.1.5", 8081, false)]
    public void Test_LoopBackDstDstSrc_MatchesOnlyHairpinTraffic(string source, string destination, ushort port, bool expected)
    {
        var set = Set(IpSetType.HashIpPortIp, "10.244.1.5,tcp:8080,10.244.1.5");
        Assert.Equal(expected, set.Test(DstDstSrc, Tcp(source, 41000, destination, port)));
    }

    [Fact]
    public void Test_FewerFlagsThanDimensions_NeverMatches()
    {
        var set = Set(IpSetType.HashIpPortIp, "10.244.1.5,tcp:8080,10.244.1.5");
        var hairpin = Tcp("10.244.1.5", 41000, "10.244.1.5", 8080);
        Assert.False(set.Test(DstDst, hairpin));
        Assert.True(set.Test([false, false, true, true], hairpin));
    }

    [Theory]
    [InlineData("203.0.113.10", 80, "192.168.7.7", true)]
    [InlineData("203.0.113.10", 80, "10.200.0.1", true)]
    [InlineData("203.0.113.10", 80, "172.16.0.1", false)]
    [InlineData("203.0.113.10", 443, "192.168.7.7", false)]
    [InlineData("203.0.113.11", 80, "192.168.7.7", false)]
    public void Test_SourceCidrDstDstSrc_MatchesTheSourceByPrefix(string destination, ushort port, string source, bool expected)
    {
        var set = Set(IpSetType.HashIpPortNet, "203.0.113.10,tcp:80,192.168.0.0/16", "203.0.113.10,tcp:80,10.200.0.1");
        Assert.Equal(expected, set.Test(DstDstSrc, Tcp(source, 41000, destination, port)));
    }

    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("11.0.0.1", false)]
    [InlineData("192.168.1.200", true)]
    [InlineData("192.168.2.1", false)]
    [InlineData("1.2.3.4", true)]
    [InlineData("1.2.3.5", false)]
    public void Test_HashNet_MatchesAnyStoredPrefix(string source, bool expected)
    {
        var set = Set(IpSetType.HashNet, "10.0.0.0/8", "192.168.1.7/24", "1.2.3.4");
        Assert.Equal(expected, set.Test(Src, Tcp(source, 41000, "10.96.0.10", 80)));
    }

    [Theory]
    [InlineData(IpSetType.HashIpPort, "10.244.1.9", 80, "10.96.0.10,tcp:80")]
    [InlineData(IpSetType.HashIpPortNet, "192.168.7.7", 80, "10.96.0.10,tcp:80,192.168.0.0/16")]
    [InlineData(IpSetType.HashIpPortNet, "10.200.0.1", 80, "10.96.0.10,tcp:80,10.200.0.1")]
    [InlineData(IpSetType.BitmapPort, "10.244.1.9", 30080, "30080")]
    public void Find_Match_IsTheMemberAsAdded(IpSetType type, string source, ushort port, string member)
    {
        // The longest prefix wins where a net dimension holds several: /32 for 10.200.0.1, /16 for 192.168.7.7.
        var (flags, members) = type switch
        {
            IpSetType.HashIpPort => (DstDst, new[] { "10.96.0.10,tcp:80", "10.96.0.10,udp:53" }),
            IpSetType.BitmapPort => (Dst, ["30080", "30000"]),
            _ => (DstDstSrc, ["10.96.0.10,tcp:80,192.168.0.0/16", "10.96.0.10,tcp:80,10.200.0.1", "10.96.0.10,tcp:80,10.0.0.0/8"]),
        };
        var set = Set(type, members);

        var found = set.Find(flags, Tcp(source, 41000, type == IpSetType.BitmapPort ? "192.168.5.10" : "10.96.0.10", port));

        Assert.Equal(member, found?.Format(type));
        Assert.Null(set.Find(flags, Tcp(source, 41000, "10.96.0.11", 81)));
    }

    [Fact]
    public void Add_NetWithHostBits_StoresTheMaskedNetwork()
    {
        var set = Set(IpSetType.HashNet, "192.168.1.7/24");
        Assert.True(set.Contains(IpSetEntry.ForNet(Ipv4Prefix.Parse("192.168.1.0/24"))));
        Assert.Equal("192.168.1.0/24", Assert.Single(set.Members).Entry.Format(IpSetType.HashNet));
    }

    [Theory]
    [InlineData(IpProtocol.Tcp, 30080, true)]
    [InlineData(IpProtocol.Udp, 30080, true)]
    [InlineData(IpProtocol.Sctp, 30080, false)]
    [InlineData(IpProtocol.Tcp, 30081, false)]
    [InlineData(IpProtocol.Tcp, 80, false)]
    public void Test_NodePortBitmap_MatchesTheDestinationPortOfTcpAndUdpOnly(IpProtocol protocol, ushort port, bool expected)
    {
        var set = Set(IpSetType.BitmapPort, "30080", "32767", "30000");
        Assert.Equal(expected, set.Test(Dst, Packet(protocol, "192.168.5.5", 41000, "192.168.5.10", port)));
    }

    [Fact]
    public void Add_PortOutsideBitmapRange_Throws()
    {
        var set = Set(IpSetType.BitmapPort);
        Assert.Throws<InvalidOperationException>(() => set.Add(IpSetEntry.ForPort(29999)));
        Assert.Throws<InvalidOperationException>(() => set.Add(IpSetEntry.ForPort(32768)));
        Assert.True(set.Add(IpSetEntry.ForPort(32767)));
    }

    [Fact]
    public void Test_IpvsIps_MatchesTheAddressOnly()
    {
        var set = Set(IpSetType.HashIp, "10.96.0.10");
        Assert.True(set.Test(Dst, Tcp("192.168.5.5", 41000, "10.96.0.10", 9999)));
        Assert.False(set.Test(Src, Tcp("192.168.5.5", 41000, "10.96.0.10", 9999)));
    }

    [Fact]
    public void Test_UnknownSet_ReturnsNull()
    {
        var sets = new IpSetCollection();
        sets.Create("KUBE-CLUSTER-IP", IpSetType.HashIpPort);
        Assert.Null(sets.Test("KUBE-NOPE", DstDst, Tcp("10.244.1.9", 41000, "10.96.0.10", 80)));
        Assert.False(sets.Test("KUBE-CLUSTER-IP", DstDst, Tcp("10.244.1.9", 41000, "10.96.0.10", 80)));
    }

    [Theory]
    [InlineData("-m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT", true)]
    [InlineData("-m set ! --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT", false)]
    [InlineData("-m set --match-set KUBE-CLUSTER-IP src,dst -j ACCEPT", false)]
    [InlineData("-m set --match-set KUBE-MISSING dst,dst -j ACCEPT", false)]
    [InlineData("-m set ! --match-set KUBE-MISSING dst,dst -j ACCEPT", false)]
    public void SetMatch_WithCollection_AsksTheNamedSet(string rule, bool expected)
    {
        var sets = new IpSetCollection();
        sets.Create("KUBE-CLUSTER-IP", IpSetType.HashIpPort).Add(IpSetEntry.Parse(IpSetType.HashIpPort, "10.96.0.10,tcp:80"));
        var context = Context(Tcp("10.244.1.9", 41000, "10.96.0.10", 80), ipSets: sets);
        Assert.Equal(expected, Evaluate(ParseRule(rule, "nat"), context));
    }

    [Fact]
    public void Add_SameElementTwice_ReturnsFalseAndKeepsOne()
    {
        var set = Set(IpSetType.HashIpPort, "10.96.0.10,tcp:80");
        Assert.False(set.Add(IpSetEntry.Parse(IpSetType.HashIpPort, "10.96.0.10,80")));
        Assert.Equal(1, set.Count);
    }

    [Fact]
    public void Remove_Member_NoLongerMatches()
    {
        var set = Set(IpSetType.HashIpPortNet, "203.0.113.10,tcp:80,192.168.0.0/16");
        Assert.True(set.Remove(IpSetEntry.Parse(IpSetType.HashIpPortNet, "203.0.113.10,tcp:80,192.168.3.3/16")));
        Assert.False(set.Test(DstDstSrc, Tcp("192.168.7.7", 41000, "203.0.113.10", 80)));
        Assert.False(set.Remove(IpSetEntry.Parse(IpSetType.HashIpPortNet, "203.0.113.10,tcp:80,192.168.0.0/16")));
        Assert.Equal(0, set.Count);
    }

    [Fact]
    public void Add_OverflowingBuckets_DoublesTheTableAndKeepsEveryMember()
    {
        var set = new IpSetCollection().Create("D", IpSetType.HashIpPort, new IpSetOptions { HashSize = 64, InitVal = 0x0badcafe });
        for (var i = 0; i < 400; i++)
        {
            set.Add(IpSetEntry.ForIpPort(new Ipv4Address(0x0A600000u + (uint)i), IpProtocol.Tcp, 80));
        }
        Assert.Equal(128, set.HashSize);
        Assert.Equal(400, set.Count);
        Assert.Equal(400, set.Members.Count());
        Assert.True(set.Test(DstDst, Tcp("10.244.1.9", 41000, "10.96.1.143", 80)));
    }

    [Theory]
    [InlineData(1000, 1024)]
    [InlineData(10, 64)]
    [InlineData(4096, 4096)]
    public void Create_HashSize_RoundsUpToAPowerOfTwoOfAtLeast64(int requested, int expected) =>
        Assert.Equal(expected, new IpSetCollection().Create("S", IpSetType.HashIp, new IpSetOptions { HashSize = requested }).HashSize);

    [Fact]
    public void CreateAll_KubeProxySets_CreatesSeventeenInKubeProxyOrder()
    {
        var sets = new IpSetCollection();
        KubeProxyIpSets.CreateAll(sets);
        KubeProxyIpSets.CreateAll(sets);
        Assert.Equal(KubeProxyIpSets.All.Select(s => s.Name), sets.Sets.Select(s => s.Name));
        Assert.Equal(17, sets.Count);
        Assert.Equal(IpSetType.HashIpPortIp, sets["KUBE-LOOP-BACK"].Type);
        Assert.Equal(IpSetType.BitmapPort, sets["KUBE-NODE-PORT-TCP"].Type);
        Assert.Equal(IpSetType.HashIpPort, sets["KUBE-NODE-PORT-SCTP-HASH"].Type);
        Assert.Equal("Kubernetes service cluster ip + port for masquerade purpose", KubeProxyIpSets.ClusterIp.Comment);
    }

    [Fact]
    public void Destroy_ThenCreate_ReusesTheFreedIndex()
    {
        var sets = new IpSetCollection();
        sets.Create("A", IpSetType.HashIp);
        sets.Create("B", IpSetType.HashIp);
        sets.Create("C", IpSetType.HashIp);
        Assert.True(sets.Destroy("B"));
        sets.Create("D", IpSetType.HashIp);
        Assert.Equal(["A", "D", "C"], sets.Sets.Select(s => s.Name));
    }

    [Fact]
    public void Destroy_Referenced_Throws()
    {
        var sets = new IpSetCollection();
        sets.Create("A", IpSetType.HashIp).References = 1;
        Assert.Throws<InvalidOperationException>(() => sets.Destroy("A"));
    }
}
