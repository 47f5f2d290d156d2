using Dashboard.Simulation.Netfilter;

using Dashboard.Simulation.Tests.Kernel;

namespace Dashboard.Simulation.Tests.Netfilter;

/// <summary>
/// The writer's output must be what the real iptables-save (1.8.9, nf_tables) prints after iptables-restore of the
/// same input, line for line. Each ruleset is restored into a fresh network namespace, saved, and compared.
/// </summary>
public class KernelRoundTripTests
{
    /// <summary>kube-proxy's iptables mode for one service with three endpoints and ClientIP affinity, as kube-proxy writes it.</summary>
    private const string KubeProxyRuleset = """
        *mangle
        :KUBE-PROXY-CANARY - [0:0]
        COMMIT
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-EXTERNAL-SERVICES - [0:0]
        :KUBE-FORWARD - [0:0]
        :KUBE-NODEPORTS - [0:0]
        :KUBE-PROXY-FIREWALL - [0:0]
        :KUBE-PROXY-CANARY - [0:0]
        -A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
        -A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
        -A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
        -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
        -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
        -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
        -A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
        -A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT
        -A KUBE-EXTERNAL-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3006 -j REJECT
        -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
        -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT
        -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
        COMMIT
        *nat
        :PREROUTING ACCEPT [0:0]
        :INPUT ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-NODEPORTS - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]
        :KUBE-EXT-XPGD46QRK7WJZT7O - [0:0]
        :KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]
        :KUBE-SEP-UKSFD7AGPMPPLUHC - [0:0]
        :KUBE-SEP-C6EBXVWJJZMIWKLZ - [0:0]
        -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
        -A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
        -A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
        -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
        -A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
        -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
        -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
        -A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-XPGD46QRK7WJZT7O
        -A KUBE-NODEPORTS -m comment --comment "ns1/svc1 extra node ports" -m multiport -p tcp --dports 3100:3105,3200 -g KUBE-EXT-XPGD46QRK7WJZT7O
        -A KUBE-EXT-XPGD46QRK7WJZT7O -m comment --comment "masquerade traffic for ns1/svc1:p80 external destinations" -j KUBE-MARK-MASQ
        -A KUBE-EXT-XPGD46QRK7WJZT7O -j KUBE-SVC-XPGD46QRK7WJZT7O
        -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
        -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m recent --name KUBE-SEP-SXIVWICOYRO3J4NJ --rcheck --seconds 10800 --reap -j KUBE-SEP-SXIVWICOYRO3J4NJ
        -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.4:80" -m recent --name KUBE-SEP-UKSFD7AGPMPPLUHC --rcheck --seconds 10800 --reap -j KUBE-SEP-UKSFD7AGPMPPLUHC
        -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.5:80" -m recent --name KUBE-SEP-C6EBXVWJJZMIWKLZ --rcheck --seconds 10800 --reap -j KUBE-SEP-C6EBXVWJJZMIWKLZ
        -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-SXIVWICOYRO3J4NJ
        -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.4:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC
        -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.5:80" -j KUBE-SEP-C6EBXVWJJZMIWKLZ
        -A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ
        -A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m recent --name KUBE-SEP-SXIVWICOYRO3J4NJ --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80
        -A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns1/svc1:p80 -s 10.180.0.4 -j KUBE-MARK-MASQ
        -A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns1/svc1:p80 -m recent --name KUBE-SEP-UKSFD7AGPMPPLUHC --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.4:80
        -A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns1/svc1:p80 -s 10.180.0.5 -j KUBE-MARK-MASQ
        -A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns1/svc1:p80 -m recent --name KUBE-SEP-C6EBXVWJJZMIWKLZ --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.5:80
        COMMIT
        """;

    /// <summary>The corners of the save format: quoting, negations, port ranges, every MARK form, REJECT types, recent variants.</summary>
    private const string EdgeCaseRuleset = """
        *raw
        :PREROUTING DROP [0:0]
        -A PREROUTING ! -i eth+ -j ACCEPT
        COMMIT
        *nat
        :POSTROUTING ACCEPT [5:100]
        :zeta - [0:0]
        :Zeta - [0:0]
        :KUBE-SEP-a - [0:0]
        :KUBE-SEP-B - [0:0]
        :KUBE-SEP_1 - [0:0]
        :KUBE-SEP-1 - [0:0]
        -A POSTROUTING -j MASQUERADE --random
        -A POSTROUTING -j MASQUERADE --random-fully --random
        -A POSTROUTING -p udp -j SNAT --to-source 1.2.3.4:53 --random-fully
        -A POSTROUTING -j SNAT --to-source 1.2.3.4
        -A zeta -p udp -j DNAT --to-destination 10.0.0.1:53
        -A zeta -j DNAT --to-destination 10.0.0.1
        -A zeta -m statistic --mode random --probability 0.25
        -A zeta -m statistic --mode random --probability 0.2
        -A zeta -m statistic --mode random --probability 1
        -A zeta -m statistic --mode random --probability 0
        -A zeta -m statistic --mode random --probability 0.000244140625
        -A zeta -m statistic --mode random --probability 0.000732421875
        -A zeta -m statistic --mode random ! --probability 0.14285714285714285
        -A Zeta -m recent --set
        -A Zeta -m recent --name foo --update --seconds 60 --rdest
        -A Zeta -m recent ! --rcheck --name foo --mask 255.255.255.0
        -A Zeta -m recent --remove --name foo --rdest --rsource
        -A KUBE-SEP-a -g KUBE-SEP-B
        COMMIT
        *filter
        :FORWARD DROP [0:0]
        :X - [0:0]
        -A X -p tcp -m comment --comment x --dport 80
        -A X -m tcp -p tcp -m comment --comment abc_def-1 --dport 80
        -A X -p tcp --dport 80 -m comment --comment "a\"b\\c d'e"
        -A X -m comment --comment ""
        -A X -m comment --comment "a.b" -m comment --comment "x$y!*"
        -A X -i eth0 ! -o lo+ ! -p udp -s 10.1.2.3/24 ! -d 1.2.3.4 -j DROP
        -A X --source 10.0.0.0/0 --protocol TCP --sport 1000: ! --dport :80
        -A X -p udp -m udp ! --dport 53 --sport 1000:2000
        -A X -p tcp --dport 80:80 --sport 0:65535
        -A X ! -p tcp --dport 80
        -A X -p tcp ! --dport 1000:
        -A X -p udp ! --sport 0
        -A X -p tcp ! --dport 0:65534
        -A X -p tcp ! --dport 0:65535
        -A X -p tcp --dport 0:0
        -A X -p tcp ! --sport 0:80 ! --dport 100:65535
        -A X -p tcp ! --sport 22 ! --dport 22
        -A X -p tcp -m multiport ! --dports 0:80
        -A X -p udp -m multiport ! --ports 1,2:3
        -A X -p tcp -m multiport --sports 1000 -m multiport --dports 79:80,443
        -A X
        -A X -m mark --mark 0x4000
        -A X -m mark ! --mark 1/0xff -m mark --mark 0xffffffff/0xffffffff
        -A X -m conntrack --ctstate established,RELATED,NEW,INVALID,UNTRACKED,SNAT,DNAT
        -A X -m conntrack ! --ctstate NEW
        -A X -m addrtype ! --src-type LOCAL,UNICAST --dst-type MULTICAST,BROADCAST,local
        -A X -m addrtype --src-type LOCAL ! --dst-type LOCAL
        -A X -j MARK --set-mark 0x1
        -A X -j MARK --set-mark 0x100/0xff
        -A X -j MARK --set-xmark 0x100/0xff
        -A X -j MARK --and-mark 0xffff
        -A X -j MARK --xor-mark 0
        -A X -j MARK --set-xmark 0x4000
        -A X -j MARK --or-mark 010
        -A X -j REJECT --reject-with icmp-host-unreachable
        -A X -j REJECT --reject-with net-unreach
        -A X -j REJECT --reject-with icmp-proto-unreachable
        -A X -j REJECT --reject-with icmp-net-prohibited
        -A X -j REJECT --reject-with icmp-host-prohibited
        -A X -j REJECT --reject-with icmp-admin-prohibited
        -A X -p tcp -j REJECT --reject-with tcp-reset
        -I X 2 -j RETURN
        -I X -j ACCEPT
        COMMIT
        *mangle
        COMMIT
        """;

    [Fact]
    public Task Save_KubeProxyRuleset_EqualsKernelIptablesSave() => AssertRoundTrip(KubeProxyRuleset);

    [Fact]
    public Task Save_EdgeCaseRuleset_EqualsKernelIptablesSave() => AssertRoundTrip(EdgeCaseRuleset);

    /// <summary>A Service's SCTP port as kube-proxy writes it (`-m sctp -p sctp`): iptables-nft keeps xt_sctp as written.</summary>
    [Fact]
    public Task Save_SctpServiceRules_EqualsKernelIptablesSave() => AssertRoundTrip("""
        *nat
        :KUBE-SERVICES - [0:0]
        :KUBE-SVC-U3RGHFVL6BYWGTMO - [0:0]
        :KUBE-SEP-IU7FZWHJDBTYR3SV - [0:0]
        -A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m sctp -p sctp -d 10.96.0.20 --dport 80 -j KUBE-SVC-U3RGHFVL6BYWGTMO
        -A KUBE-SEP-IU7FZWHJDBTYR3SV -m comment --comment default/web:http -m sctp -p sctp -j DNAT --to-destination 10.244.1.2:8080
        -A KUBE-SERVICES -p sctp --dport 81 -j ACCEPT
        -A KUBE-SERVICES -p sctp -m sctp ! --dport 82 --sport 1:2 -j ACCEPT
        COMMIT
        """);

    /// <summary>IPVS mode's set matches: the kernel needs the sets to exist, so this one also creates them with ipset.</summary>
    [Fact]
    public Task Save_IpvsModeSetMatches_EqualsKernelIptablesSave() => AssertRoundTrip("""
        *nat
        :KUBE-SERVICES - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        -A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN
        -A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
        -A KUBE-SERVICES -m set ! --match-set KUBE-CLUSTER-IP src,dst,src -j ACCEPT
        COMMIT
        """, ["KUBE-CLUSTER-IP hash:ip,port"]);

    private static async Task AssertRoundTrip(string input, string[]? ipsets = null)
    {
        KernelRequirements.Require(ipsets is null ? ["ip", "iptables-restore", "iptables-save"] : ["ip", "iptables-restore", "iptables-save", "ipset"]);
        var expected = Lines(IptablesSaveWriter.Write(IptablesRestoreParser.Parse(input)));

        var ns = $"nf-probe-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, input + "\n", TestContext.Current.CancellationToken);
            Check(await LabCommand.RunAsync("ip", ["netns", "add", ns]));
            foreach (var set in ipsets ?? [])
            {
                Check(await LabCommand.RunAsync("ip", ["netns", "exec", ns, "ipset", "create", .. set.Split(' ')]));
            }
            Check(await LabCommand.RunAsync("ip", ["netns", "exec", ns, "iptables-restore", file]));
            var save = await LabCommand.RunAsync("ip", ["netns", "exec", ns, "iptables-save"]);
            Check(save);
            var actual = Lines(save.StandardOutput).Where(line => !line.StartsWith('#')).ToList();
            Assert.Equal(actual, expected);
        }
        finally
        {
            await LabCommand.RunAsync("ip", ["netns", "del", ns]);
            File.Delete(file);
        }
    }

    private static void Check(LabCommandResult result) =>
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");

    private static List<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
}
