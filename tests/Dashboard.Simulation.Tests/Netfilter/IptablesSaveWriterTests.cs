using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Netfilter.Matches;
using Dashboard.Simulation.Packets;
using static Dashboard.Simulation.Tests.Netfilter.NetfilterTestKit;

namespace Dashboard.Simulation.Tests.Netfilter;

/// <summary>The node's form of kube-proxy's rules, as docs/DOMAIN.md section 6 describes them (kernel facts, so hard-coded).</summary>
public class IptablesSaveWriterTests
{
    [Theory]
    [InlineData("-j MARK --or-mark 0x4000", "-A X -j MARK --set-xmark 0x4000/0x4000")]
    [InlineData("-j MARK --xor-mark 0x4000", "-A X -j MARK --set-xmark 0x4000/0x0")]
    [InlineData("-m statistic --mode random --probability 0.5000000000", "-A X -m statistic --mode random --probability 0.50000000000")]
    [InlineData("-m statistic --mode random --probability 0.3333333333", "-A X -m statistic --mode random --probability 0.33333333349")]
    [InlineData("-m statistic --mode random --probability 0.2500000000", "-A X -m statistic --mode random --probability 0.25000000000")]
    [InlineData("-m statistic --mode random --probability 0.2000000000", "-A X -m statistic --mode random --probability 0.20000000019")]
    [InlineData("-m comment --comment \"ns/svc:http cluster IP\" -m tcp -p tcp -d 10.96.0.10 --dport 80",
        "-A X -d 10.96.0.10/32 -p tcp -m comment --comment \"ns/svc:http cluster IP\" -m tcp --dport 80")]
    [InlineData("-m recent --name KUBE-SEP-Y --rcheck --seconds 10800 --reap",
        "-A X -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-Y --mask 255.255.255.255 --rsource")]
    [InlineData("-j REJECT", "-A X -j REJECT --reject-with icmp-port-unreachable")]
    [InlineData("-m mark ! --mark 0x00004000/0x00004000 -j RETURN", "-A X -m mark ! --mark 0x4000/0x4000 -j RETURN")]
    [InlineData("-m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully",
        "-A X -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully")]
    [InlineData("-m comment --comment ns/svc:http -s 10.244.1.2 -j KUBE-MARK-MASQ", "-A X -s 10.244.1.2/32 -m comment --comment \"ns/svc:http\" -j KUBE-MARK-MASQ")]
    [InlineData("-m comment --comment ns-svc_http -j ACCEPT", "-A X -m comment --comment ns-svc_http -j ACCEPT")]
    [InlineData("-m comment --comment \"it's\"", "-A X -m comment --comment \"it\\'s\"")]
    [InlineData("-p tcp ! --dport :80", "-A X -p tcp -m tcp --dport 81:65535")]
    [InlineData("-p tcp --sport 0:65535 --dport 80:80", "-A X -p tcp -m tcp --dport 80")]
    [InlineData("-m conntrack --ctstate ESTABLISHED,RELATED", "-A X -m conntrack --ctstate RELATED,ESTABLISHED")]
    [InlineData("-m addrtype --dst-type LOCAL,UNICAST", "-A X -m addrtype --dst-type UNICAST,LOCAL")]
    public void FormatRule_KubeProxyForm_PrintsTheNodesForm(string options, string expected)
    {
        var nat = options.Contains("MASQUERADE", StringComparison.Ordinal) || options.Contains("KUBE-MARK-MASQ", StringComparison.Ordinal);
        var input = $"*{(nat ? "nat" : "filter")}\n:X - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n-A X {options}\nCOMMIT\n";
        var rule = IptablesRestoreParser.Parse(input).Tables[0].Find("X")!.Rules[0];
        Assert.Equal(expected, IptablesSaveWriter.FormatRule(rule));
    }

    [Theory]
    [InlineData("-p tcp -m tcp -j DNAT --to-destination 10.244.1.2:8080", "DNAT --to-destination 10.244.1.2:8080")]
    [InlineData("-j REJECT", "REJECT --reject-with icmp-port-unreachable")]
    [InlineData("-j KUBE-MARK-MASQ", "KUBE-MARK-MASQ")]
    [InlineData("-g KUBE-MARK-MASQ", "KUBE-MARK-MASQ")]
    [InlineData("-j MARK --or-mark 0x4000", "MARK --set-xmark 0x4000/0x4000")]
    public void FormatTarget_KubeProxyTargets_WhatIptablesSavePrintsAfterTheSwitch(string options, string expected)
    {
        var input = $"*nat\n:X - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n-A X {options}\nCOMMIT\n";
        var rule = IptablesRestoreParser.Parse(input).Tables[0].Find("X")!.Rules[0];
        Assert.Equal(expected, IptablesSaveWriter.FormatTarget(rule.Target!));
    }

    [Fact]
    public void Write_Layout_TablesInNftOrderBuiltinsFirstUserChainsSorted()
    {
        var ruleset = IptablesRestoreParser.Parse("""
            *nat
            :POSTROUTING ACCEPT [5:100]
            :zeta - [0:0]
            :KUBE-SEP-a - [0:0]
            :KUBE-SEP-B - [0:0]
            -A zeta -j ACCEPT
            -A KUBE-SEP-B -j ACCEPT
            -A POSTROUTING -j zeta
            COMMIT
            *raw
            :PREROUTING DROP [0:0]
            COMMIT
            *filter
            :FORWARD DROP [0:0]
            COMMIT
            """);
        Assert.Equal("""
            *raw
            :PREROUTING DROP [0:0]
            :OUTPUT ACCEPT [0:0]
            COMMIT
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD DROP [0:0]
            :OUTPUT ACCEPT [0:0]
            COMMIT
            *nat
            :PREROUTING ACCEPT [0:0]
            :INPUT ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            :KUBE-SEP-B - [0:0]
            :KUBE-SEP-a - [0:0]
            :zeta - [0:0]
            -A POSTROUTING -j zeta
            -A KUBE-SEP-B -j ACCEPT
            -A zeta -j ACCEPT
            COMMIT

            """, IptablesSaveWriter.Write(ruleset));
    }

    [Fact]
    public void Write_RulesetBuiltInCode_PrintsMissingBuiltinsAndSkipsEmptyTables()
    {
        var ruleset = new Ruleset();
        ruleset.GetOrAdd("mangle");
        var chain = ruleset.GetOrAdd("nat").Add(new Chain("KUBE-MARK-MASQ", null));
        chain.Append(new Rule { Target = new MarkTarget(0x4000, 0x4000) });
        chain.Append(new Rule
        {
            Source = Ipv4Prefix.Parse("0.0.0.0/0"),
            Protocol = IpProtocol.Udp,
            Matches = [new UdpMatch(PortRange.All, false, new PortRange(53, 53), true), StatisticMatch.FromProbability(1.0 / 7)],
            Target = new NatTarget(true, Ipv4Address.Parse("10.0.0.1"), 53),
        });
        Assert.Equal("""
            *nat
            :PREROUTING ACCEPT [0:0]
            :INPUT ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            :KUBE-MARK-MASQ - [0:0]
            -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
            -A KUBE-MARK-MASQ -p udp -m udp ! --dport 53 -m statistic --mode random --probability 0.14285714272 -j DNAT --to-destination 10.0.0.1:53
            COMMIT

            """, IptablesSaveWriter.Write(ruleset));
    }

    [Theory]
    [InlineData(0x2000_0000u, "0.25000000000")]
    [InlineData(0x0008_0000u, "0.00024414062")]
    [InlineData(0x0018_0000u, "0.00073242188")]
    [InlineData(0x8000_0000u, "1.00000000000")]
    [InlineData(0u, "0.00000000000")]
    public void Statistic_Save_RoundsTheExactValueHalfToEvenLikeGlibc(uint stored, string expected)
    {
        var text = new System.Text.StringBuilder();
        new StatisticMatch(stored, false).Save(text);
        Assert.Equal($" -m statistic --mode random --probability {expected}", text.ToString());
    }

    [Fact]
    public void FormatRule_ParsedRule_IsTheSavedLine()
    {
        var rule = ParseRule("-p tcp -m multiport --dports 3000:3005,8080 -g X", "nat");
        Assert.Equal("-A X -p tcp -m multiport --dports 3000:3005,8080 -g X", IptablesSaveWriter.FormatRule(rule));
    }
}
