using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Netfilter.Matches;
using Dashboard.Simulation.Packets;
using static Dashboard.Simulation.Tests.Netfilter.NetfilterTestKit;

namespace Dashboard.Simulation.Tests.Netfilter;

public class MatchSemanticsTests
{
    private static readonly Packet Syn = Tcp("192.168.5.5", 41234, "10.96.0.10", 80);

    [Theory]
    [InlineData("-p tcp --dport 80", true)]
    [InlineData("-p tcp --dport 81", false)]
    [InlineData("-p tcp ! --dport 81", true)]
    [InlineData("-p tcp --dport 79:80", true)]
    [InlineData("-p tcp --dport :79", false)]
    [InlineData("-p tcp --sport 40000: --dport 80", true)]
    [InlineData("-p tcp ! --sport 40000:", false)]
    [InlineData("-p udp --dport 80", false)]
    [InlineData("-p tcp -m tcp", true)]
    public void Tcp_PortTests_MatchAsTheKernel(string options, bool expected) =>
        Assert.Equal(expected, Evaluate(ParseRule(options), Context(Syn)));

    [Theory]
    [InlineData(41234, 80, false)]
    [InlineData(41234, 81, true)]
    [InlineData(22, 80, true)]
    public void Tcp_BothSinglePortsNegated_MatchesUnlessBothEqual(ushort sourcePort, ushort destinationPort, bool expected)
    {
        // iptables-nft 1.8.9 compiles this into one 32-bit "!=" compare of both ports.
        var rule = ParseRule("-p tcp ! --sport 41234 ! --dport 80");
        Assert.Equal(expected, Evaluate(rule, Context(Tcp("192.168.5.5", sourcePort, "10.96.0.10", destinationPort))));
    }

    [Fact]
    public void Tcp_NegatedFullRange_KernelDropsTheTestAndMatchesEverything()
    {
        var rule = ParseRule("-p tcp ! --dport 0:65535");
        Assert.Empty(rule.Matches);
        Assert.True(Evaluate(rule, Context(Syn)));
    }

    [Fact]
    public void Udp_DestinationPort_MatchesOnlyUdp()
    {
        var rule = ParseRule("-p udp --dport 53");
        var query = Tcp("10.244.0.5", 5353, "10.96.0.10", 53);
        query.Protocol = IpProtocol.Udp;
        Assert.True(Evaluate(rule, Context(query)));
        Assert.False(Evaluate(rule, Context(Tcp("10.244.0.5", 5353, "10.96.0.10", 53))));
    }

    [Theory]
    [InlineData("--dports 443,80", true)]
    [InlineData("--dports 1:79,81:100", false)]
    [InlineData("--dports 70:90", true)]
    [InlineData("! --dports 70:90", false)]
    [InlineData("! --dports 443", true)]
    [InlineData("--sports 41234", true)]
    [InlineData("--sports 80", false)]
    [InlineData("--ports 80", true)]
    [InlineData("--ports 41000:41300", true)]
    [InlineData("--ports 1,2", false)]
    public void Multiport_ListsAndRanges_MatchAsTheKernel(string options, bool expected) =>
        Assert.Equal(expected, Evaluate(ParseRule($"-p tcp -m multiport {options}"), Context(Syn)));

    [Theory]
    [InlineData(0x4000u, "--mark 0x4000/0x4000", true)]
    [InlineData(0x4001u, "--mark 0x4000/0x4000", true)]
    [InlineData(0x4001u, "--mark 0x4000", false)]
    [InlineData(0x0u, "! --mark 0x4000/0x4000", true)]
    [InlineData(0x4000u, "! --mark 0x4000/0x4000", false)]
    [InlineData(0xFFu, "--mark 0x0f/0x0f", true)]
    public void Mark_ValueAndMask_TestsMaskedBits(uint mark, string options, bool expected) =>
        Assert.Equal(expected, Evaluate(ParseRule($"-m mark {options}"), Context(Tcp("10.0.0.1", 1, "10.0.0.2", 2, mark))));

    [Theory]
    [InlineData(0x2AAA_AAAAu, true)]
    [InlineData(0x2AAA_AAABu, false)]
    [InlineData(0xAAAA_AAAAu, true)]
    public void Statistic_OneThird_ComparesThe31BitDrawWithTheStoredValue(uint random, bool expected)
    {
        // 1/3 is stored as lround(2^31 / 3) = 0x2AAAAAAB; the top bit of the draw is masked off.
        var rule = ParseRule("-m statistic --mode random --probability 0.3333333333");
        var context = Context(Syn, random);
        Assert.Equal(expected, Evaluate(rule, context));
        Assert.Equal(0x2AAA_AAABu, ((FixedDraw)context.Statistic).Probabilities.Single());
    }

    [Theory]
    [InlineData("1", 0x8000_0000u)]
    [InlineData("0", 0u)]
    [InlineData("0.5", 0x4000_0000u)]
    [InlineData("0.9999999999", 0x8000_0000u)]
    public void Statistic_Probability_StoredAsKernelRoundsIt(string probability, uint stored)
    {
        var match = Assert.IsType<StatisticMatch>(ParseRule($"-m statistic --mode random --probability {probability}").Matches.Single());
        Assert.Equal(stored, match.Probability31);
    }

    [Fact]
    public void Statistic_ProbabilityOne_AlwaysMatchesAndZeroNever()
    {
        Assert.True(Evaluate(ParseRule("-m statistic --mode random --probability 1"), Context(Syn, 0x7FFF_FFFF)));
        Assert.False(Evaluate(ParseRule("-m statistic --mode random --probability 0"), Context(Syn, 0)));
    }

    [Fact]
    public void Statistic_Negated_MatchesWhenTheDrawFails() =>
        Assert.True(Evaluate(ParseRule("-m statistic --mode random ! --probability 0.5"), Context(Syn, 0x5000_0000)));

    [Theory]
    [InlineData("--dst-type LOCAL", "10.96.0.10", true)]
    [InlineData("--dst-type LOCAL", "192.168.1.1", false)]
    [InlineData("! --dst-type LOCAL", "192.168.1.1", true)]
    [InlineData("--dst-type UNICAST,LOCAL", "192.168.1.1", true)]
    [InlineData("--src-type LOCAL", "10.96.0.10", false)]
    [InlineData("! --src-type LOCAL --dst-type LOCAL", "10.96.0.10", true)]
    public void AddrType_TypeOfAddress_AsTheNodeSeesIt(string options, string localAddress, bool expected) =>
        Assert.Equal(expected, Evaluate(ParseRule($"-m addrtype {options}"), Context(Syn, addressTypes: new FakeAddressTypes(localAddress))));

    [Theory]
    [InlineData(CtState.New, "--ctstate NEW", true)]
    [InlineData(CtState.Established, "--ctstate RELATED,ESTABLISHED", true)]
    [InlineData(CtState.Established | CtState.Dnat, "--ctstate DNAT", true)]
    [InlineData(CtState.New, "--ctstate RELATED,ESTABLISHED", false)]
    [InlineData(CtState.Invalid, "! --ctstate INVALID", false)]
    [InlineData(CtState.New, "! --ctstate INVALID", true)]
    public void Conntrack_StateSets_MatchAnyListedState(CtState state, string options, bool expected) =>
        Assert.Equal(expected, Evaluate(ParseRule($"-m conntrack {options}"), Context(Syn, state: state)));

    [Fact]
    public void Recent_SetThenCheckWithinWindow_MatchesUntilTheWindowEnds()
    {
        var recent = new RecentTable();
        var set = ParseRule("-m recent --name KUBE-SEP-A --set");
        var check = ParseRule("-m recent --name KUBE-SEP-A --rcheck --seconds 10800 --reap");

        Assert.False(Evaluate(check, Context(Syn, recent: recent, now: TimeSpan.FromSeconds(1))));
        Assert.True(Evaluate(set, Context(Syn, recent: recent, now: TimeSpan.FromSeconds(1))));
        Assert.True(Evaluate(check, Context(Syn, recent: recent, now: TimeSpan.FromSeconds(10801))));
        Assert.False(Evaluate(check, Context(Syn, recent: recent, now: TimeSpan.FromSeconds(10802))));
        // --reap took the stale address off the list.
        Assert.Empty(recent.Lists["KUBE-SEP-A"]);
    }

    [Fact]
    public void Recent_Update_RefreshesOnlyOnAMatch()
    {
        var recent = new RecentTable();
        var source = Ipv4Address.Parse("192.168.5.5");
        recent.Set("L", source, TimeSpan.FromSeconds(0));
        var update = ParseRule("-m recent --name L --update --seconds 10");

        Assert.True(Evaluate(update, Context(Syn, recent: recent, now: TimeSpan.FromSeconds(8))));
        Assert.Equal(TimeSpan.FromSeconds(8), recent.Lists["L"][source]);
        Assert.True(Evaluate(update, Context(Syn, recent: recent, now: TimeSpan.FromSeconds(17))));
        Assert.False(Evaluate(update, Context(Syn, recent: recent, now: TimeSpan.FromSeconds(40))));
        Assert.Equal(TimeSpan.FromSeconds(17), recent.Lists["L"][source]);
    }

    [Fact]
    public void Recent_Remove_MatchesAndForgets()
    {
        var recent = new RecentTable();
        recent.Set("DEFAULT", Ipv4Address.Parse("192.168.5.5"), TimeSpan.Zero);
        var remove = ParseRule("-m recent --remove");
        Assert.True(Evaluate(remove, Context(Syn, recent: recent)));
        Assert.False(Evaluate(remove, Context(Syn, recent: recent)));
    }

    [Fact]
    public void Recent_DestinationAndMask_KeyTheListByMaskedDestination()
    {
        var recent = new RecentTable();
        Evaluate(ParseRule("-m recent --set --name D --rdest --mask 255.255.255.0"), Context(Syn, recent: recent));
        Assert.Equal(Ipv4Address.Parse("10.96.0.0"), Assert.Single(recent.Lists["D"]).Key);
        Assert.True(Evaluate(ParseRule("-m recent --rcheck --name D --rdest --mask 255.255.255.0"),
            Context(Tcp("1.1.1.1", 1, "10.96.0.77", 2), recent: recent)));
    }

    [Fact]
    public void Recent_NegatedCheck_MatchesAddressesNotOnTheList() =>
        Assert.True(Evaluate(ParseRule("-m recent ! --rcheck --name nobody"), Context(Syn)));

    [Theory]
    [InlineData("--match-set KUBE-CLUSTER-IP dst,dst", true)]
    [InlineData("! --match-set KUBE-CLUSTER-IP dst,dst", false)]
    [InlineData("--match-set KUBE-CLUSTER-IP src,dst", false)]
    [InlineData("--match-set UNKNOWN dst,dst", false)]
    [InlineData("! --match-set UNKNOWN dst,dst", false)]
    public void Set_Lookup_ByDirectionsAndUnknownSetsNeverMatch(string options, bool expected) =>
        Assert.Equal(expected, Evaluate(ParseRule($"-m set {options}"), Context(Syn, ipSets: new FakeIpSets("KUBE-CLUSTER-IP", "10.96.0.10", 80))));

    [Fact]
    public void Set_WithoutSetLookup_DoesNotMatch() =>
        Assert.False(Evaluate(ParseRule("-m set --match-set KUBE-CLUSTER-IP dst,dst"), Context(Syn)));

    [Fact]
    public void Comment_AlwaysMatches() =>
        Assert.True(Evaluate(ParseRule("-m comment --comment \"ns1/svc1:p80 cluster IP\""), Context(Syn)));

    [Theory]
    [InlineData("-s 192.168.5.0/24", true)]
    [InlineData("! -s 192.168.5.0/24", false)]
    [InlineData("-d 10.96.0.10", true)]
    [InlineData("! -d 10.96.0.10 -p tcp", false)]
    [InlineData("! -p udp", true)]
    [InlineData("-i eth+", true)]
    [InlineData("-i eth1", false)]
    [InlineData("! -i lo", true)]
    public void GenericTests_AddressesProtocolsInterfaces_MatchAsTheKernel(string options, bool expected)
    {
        var packet = Tcp("192.168.5.5", 41234, "10.96.0.10", 80);
        packet.InInterface = "eth0";
        Assert.Equal(expected, Evaluate(ParseRule(options), Context(packet)));
    }
}
