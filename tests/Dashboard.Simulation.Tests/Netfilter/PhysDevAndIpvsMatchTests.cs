using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Netfilter.Matches;
using Dashboard.Simulation.Packets;
using static Dashboard.Simulation.Tests.Netfilter.NetfilterTestKit;

namespace Dashboard.Simulation.Tests.Netfilter;

/// <summary>
/// The two matches only IPVS mode uses: physdev (read off iptables-save 1.8.9, nf_tables, on kernel 6.18, where xt_physdev
/// is built in) and ipvs (the kernel here has no IPVS, so xt_ipvs cannot load: its text comes from libxt_ipvs's save).
/// </summary>
public class PhysDevAndIpvsMatchTests
{
    private static readonly Packet Syn = Tcp("203.0.113.10", 41234, "203.0.113.10", 80);

    [Theory]
    [InlineData("-m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT", "-A X -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT")]
    [InlineData("-m physdev --physdev-is-bridged ! --physdev-is-in --physdev-in eth0 -j DROP", "-A X -m physdev ! --physdev-is-in --physdev-in eth0 --physdev-is-bridged -j DROP")]
    [InlineData("-m physdev ! --physdev-in + -j DROP", "-A X -m physdev ! --physdev-in + -j DROP")]
    [InlineData("-m physdev --physdev-is-in -m physdev ! --physdev-is-in -j DROP", "-A X -m physdev --physdev-is-in -m physdev ! --physdev-is-in -j DROP")]
    public void PhysDev_Save_PrintsAsTheKernelsIptablesSave(string options, string saved) =>
        Assert.Equal(saved, IptablesSaveWriter.FormatRule(ParseRule(options)));

    [Theory]
    [InlineData("! --physdev-is-in", true)]
    [InlineData("--physdev-is-in", false)]
    [InlineData("! --physdev-in eth0 ! --physdev-is-bridged", true)]
    [InlineData("--physdev-in eth0", false)]
    [InlineData("! --physdev-is-in --physdev-is-bridged", false)]
    public void PhysDev_NodeWithoutBridges_MatchesOnlyWhenEveryOptionIsNegated(string options, bool expected) =>
        Assert.Equal(expected, Evaluate(ParseRule($"-m physdev {options}"), Context(Syn)));

    [Theory]
    [InlineData("-m physdev", "-m physdev", "no physdev option specified")]
    [InlineData("-m physdev --physdev-is-in --physdev-is-in", "--physdev-is-in", "can only be used once")]
    [InlineData("-m physdev --physdev-out veth1", "--physdev-out", "unsupported option \"--physdev-out\"")]
    [InlineData("-m physdev ! --physdev-is-out", "--physdev-is-out", "unsupported option \"--physdev-is-out\"")]
    [InlineData("-m physdev --physdev-in 0123456789abcdef", "0123456789abcdef", "invalid interface name")]
    public void PhysDev_UnsupportedOrMalformed_RefusedWithLineAndToken(string options, string token, string reason) =>
        AssertRefused(options, token, reason);

    [Theory]
    // kube-proxy's KUBE-IPVS-OUT-FILTER rule: the protocol comes back as its number, options in libxt_ipvs's order.
    [InlineData("-s 203.0.113.10 -m ipvs --vaddr 203.0.113.10 --vproto tcp --vport 80 -j DROP", "-A X -s 203.0.113.10/32 -m ipvs --vproto 6 --vaddr 203.0.113.10 --vport 80 -j DROP")]
    [InlineData("-m ipvs --ipvs -j ACCEPT", "-A X -m ipvs --ipvs -j ACCEPT")]
    [InlineData("-m ipvs ! --ipvs -j ACCEPT", "-A X -m ipvs ! --ipvs -j ACCEPT")]
    [InlineData("-m ipvs --ipvs --vport 53 --vproto UDP -j ACCEPT", "-A X -m ipvs --vproto 17 --vport 53 -j ACCEPT")]
    [InlineData("-m ipvs ! --vaddr 10.96.0.0/12 ! --vproto 132 -j ACCEPT", "-A X -m ipvs ! --vproto 132 ! --vaddr 10.96.0.0/12 -j ACCEPT")]
    public void Ipvs_Save_PrintsAsLibxtIpvs(string options, string saved) =>
        Assert.Equal(saved, IptablesSaveWriter.FormatRule(ParseRule(options)));

    public static TheoryData<string, IpvsVirtualService?, bool> IpvsCases => new()
    {
        { "--ipvs", Vs("203.0.113.10", 80), true },
        { "--ipvs", null, false },
        { "! --ipvs", null, true },
        { "--vaddr 203.0.113.10 --vproto tcp --vport 80", Vs("203.0.113.10", 80), true },
        { "--vaddr 203.0.113.10 --vproto tcp --vport 80", Vs("203.0.113.10", 443), false },
        { "--vaddr 203.0.113.10 --vproto udp --vport 80", Vs("203.0.113.10", 80), false },
        { "--vaddr 203.0.113.0/24", Vs("203.0.113.99", 80), true },
        { "--vaddr 203.0.113.0/24", Vs("203.0.114.1", 80), false },
        { "! --vport 443", Vs("203.0.113.10", 80), true },
        // Every option but a bare --ipvs needs a packet IPVS has handled, negated or not.
        { "! --vport 443", null, false },
        { "! --vaddr 10.0.0.0/8", null, false },
    };

    [Theory]
    [MemberData(nameof(IpvsCases))]
    public void Ipvs_VirtualServiceOfThePacket_MatchesAsXtIpvs(string options, IpvsVirtualService? virtualService, bool expected)
    {
        var context = Context(Syn);
        context.IpvsVirtual = virtualService;
        Assert.Equal(expected, Evaluate(ParseRule($"-m ipvs {options}"), context));
    }

    [Theory]
    [InlineData("-m ipvs", "-m ipvs", "at least one option is required")]
    [InlineData("-m ipvs ! --ipvs --vport 80", "--ipvs", "! --ipvs cannot be together with other options")]
    [InlineData("-m ipvs --vport 80 --vport 81", "--vport", "can only be used once")]
    [InlineData("-m ipvs --vport http", "http", "invalid port")]
    [InlineData("-m ipvs --vproto gre", "gre", "unknown protocol")]
    [InlineData("-m ipvs --vaddr node-1", "node-1", "invalid address")]
    [InlineData("-m ipvs --vdir ORIGINAL", "--vdir", "unsupported option \"--vdir\"")]
    [InlineData("-m ipvs --vmethod MASQ", "--vmethod", "unsupported option \"--vmethod\"")]
    public void Ipvs_UnsupportedOrMalformed_RefusedWithLineAndToken(string options, string token, string reason) =>
        AssertRefused(options, token, reason);

    private static IpvsVirtualService Vs(string address, ushort port) => new(IpProtocol.Tcp, Ipv4Address.Parse(address), port);

    private static void AssertRefused(string options, string token, string reason)
    {
        var error = Assert.Throws<IptablesParseException>(() => IptablesRestoreParser.Parse($"*filter\n:X - [0:0]\n-A X {options}\nCOMMIT\n"));
        Assert.Equal((3, token), (error.Line, error.Token));
        Assert.Contains(reason, error.Reason);
    }
}
