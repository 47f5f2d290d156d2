using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.IpSets;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Listings;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Packets;
using Dashboard.Simulation.Tests.Ipvs.Tables;

namespace Dashboard.Simulation.Tests.Listings;

/// <summary>
/// Each anchor leads to the line the real tool prints that object on. The expected lines are the tools' own output for
/// these inputs (iptables-save v1.8.9 nf_tables, ipvsadm v1.31, ipset v7.17), written out by hand, not the writer's text.
/// </summary>
public class ToolListingTests
{
    private static Ipv4Address Ip(string text) => Ipv4Address.Parse(text);

    [Fact]
    public void IptablesSave_RuleAnchors_LeadToThatRuleOfThatTablesChain()
    {
        // KUBE-SERVICES in two tables: kube-proxy's REJECTs in filter, its dispatch in nat (printed after filter).
        var ruleset = IptablesRestoreParser.Parse("""
            *nat
            :KUBE-SERVICES - [0:0]
            :KUBE-SVC-A - [0:0]
            -A KUBE-SERVICES -m comment --comment "ns/a:http cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 80 -j KUBE-SVC-A
            -A KUBE-SERVICES -m comment --comment "ns/b:http cluster IP" -m tcp -p tcp -d 10.96.0.20 --dport 80 -j KUBE-SVC-A
            -A KUBE-SVC-A -m comment --comment "ns/a:http -> 10.244.1.2:8080" -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:8080
            COMMIT
            *filter
            :KUBE-SERVICES - [0:0]
            -A KUBE-SERVICES -m comment --comment "ns/c:http has no endpoints" -m tcp -p tcp -d 10.96.0.30 --dport 80 -j REJECT
            COMMIT
            """);
        string[] node =
        [
            "*filter",
            ":INPUT ACCEPT [0:0]",
            ":FORWARD ACCEPT [0:0]",
            ":OUTPUT ACCEPT [0:0]",
            ":KUBE-SERVICES - [0:0]",
            "-A KUBE-SERVICES -d 10.96.0.30/32 -p tcp -m comment --comment \"ns/c:http has no endpoints\" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable",
            "COMMIT",
            "*nat",
            ":PREROUTING ACCEPT [0:0]",
            ":INPUT ACCEPT [0:0]",
            ":OUTPUT ACCEPT [0:0]",
            ":POSTROUTING ACCEPT [0:0]",
            ":KUBE-SERVICES - [0:0]",
            ":KUBE-SVC-A - [0:0]",
            "-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment \"ns/a:http cluster IP\" -m tcp --dport 80 -j KUBE-SVC-A",
            "-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment \"ns/b:http cluster IP\" -m tcp --dport 80 -j KUBE-SVC-A",
            "-A KUBE-SVC-A -p tcp -m comment --comment \"ns/a:http -> 10.244.1.2:8080\" -m tcp -j DNAT --to-destination 10.244.1.2:8080",
            "COMMIT",
        ];

        var listing = IptablesSaveWriter.Listing(ruleset);

        Assert.Equal(node, listing.Lines.Select(l => l.Text));
        Assert.Equal(Enumerable.Range(1, node.Length), listing.Lines.Select(l => l.Number));
        Assert.Equal(string.Concat(node.Select(l => l + "\n")), IptablesSaveWriter.Write(ruleset));
        Assert.Equal(6, listing.LineOf(new RuleAnchor("filter", "KUBE-SERVICES", 1)));
        Assert.Equal(15, listing.LineOf(new RuleAnchor("nat", "KUBE-SERVICES", 1)));
        Assert.Equal(16, listing.LineOf(new RuleAnchor("nat", "KUBE-SERVICES", 2)));
        Assert.Equal(17, listing.LineOf(new RuleAnchor("nat", "KUBE-SVC-A", 1)));
        Assert.Null(listing.LineOf(new RuleAnchor("nat", "KUBE-SERVICES", 3)));
        Assert.Null(listing.LineOf(new RuleAnchor("nat", "KUBE-SERVICES", 0)));
        Assert.Null(listing.LineOf(new RuleAnchor("filter", "KUBE-SVC-A", 1)));
        Assert.Equal(new LineRange(15, 2), listing.RulesOf("nat", "KUBE-SERVICES"));
        Assert.Equal(
            [LineKind.Table, LineKind.Chain, LineKind.Chain, LineKind.Chain, LineKind.Chain, LineKind.Rule, LineKind.Commit],
            listing.Lines.Take(7).Select(l => l.Kind));
    }

    [Fact]
    public void IpvsadmList_ServiceAndRealServerAnchors_LeadToTheirLinesEvenWhenAPodServesTwoServices()
    {
        var table = new ServiceTable();
        var nodePort = new VirtualService(IpProtocol.Tcp, Ip("192.168.1.10"), 30080, new FakeScheduler());
        nodePort.AddServer(Ip("10.244.1.2"), 8080);
        var clusterIp = new VirtualService(IpProtocol.Tcp, Ip("10.96.0.30"), 80, new FakeScheduler());
        clusterIp.AddServer(Ip("10.244.1.2"), 8080);
        clusterIp.AddServer(Ip("10.244.2.3"), 8080);
        table.Add(nodePort);
        table.Add(clusterIp);
        string[] ipvsadm =
        [
            "IP Virtual Server version 1.2.1 (size=4096)",
            "Prot LocalAddress:Port Scheduler Flags",
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
            // ipvs_cmp_services subtracts addresses as ints: more than 2^31 apart, they sort backwards.
            "TCP  192.168.1.10:30080 rr",
            "  -> 10.244.1.2:8080              Masq    1      0          0         ",
            "TCP  10.96.0.30:80 rr",
            "  -> 10.244.1.2:8080              Masq    1      0          0         ",
            "  -> 10.244.2.3:8080              Masq    1      0          0         ",
        ];

        var listing = IpvsadmFormatter.ListListing(table);

        Assert.Equal(ipvsadm, listing.Lines.Select(l => l.Text));
        Assert.Equal(IpvsadmFormatter.List(table), listing.Text);
        Assert.Equal(6, listing.LineOf(new VirtualServiceAnchor("TCP 10.96.0.30:80")));
        Assert.Equal(7, listing.LineOf(new RealServerAnchor("TCP 10.96.0.30:80", "10.244.1.2:8080")));
        Assert.Equal(8, listing.LineOf(new RealServerAnchor("TCP 10.96.0.30:80", "10.244.2.3:8080")));
        Assert.Equal(5, listing.LineOf(new RealServerAnchor("TCP 192.168.1.10:30080", "10.244.1.2:8080")));
        Assert.Null(listing.LineOf(new RealServerAnchor("TCP 192.168.1.10:30080", "10.244.2.3:8080")));
        Assert.Equal(
            [LineKind.Heading, LineKind.Heading, LineKind.Heading, LineKind.VirtualService, LineKind.RealServer],
            listing.Lines.Take(5).Select(l => l.Kind));
    }

    [Fact]
    public void IpvsadmList_ServiceName_IsTheNameTheEnginesLookupGivesAPacketToIt()
    {
        var service = new VirtualService(IpProtocol.Udp, Ip("10.96.0.10"), 53, new FakeScheduler());

        Assert.Equal("UDP 10.96.0.10:53", IpvsadmFormatter.ServiceName(service));
        Assert.Equal(IpvsadmFormatter.ServiceName(service), IpvsadmFormatter.ServiceName(IpProtocol.Udp, Ip("10.96.0.10"), 53));
    }

    [Fact]
    public void IpvsadmListConnections_Listing_TwoHeadingsThenOneLinePerConnection()
    {
        var service = new VirtualService(IpProtocol.Tcp, Ip("10.96.0.10"), 80, new FakeScheduler());
        var server = service.AddServer(Ip("10.244.1.2"), 8080);
        var connections = new ConnectionTable();
        connections.Create(service, server, new ConnectionTuple(IpProtocol.Tcp, Ip("10.244.0.5"), 41234, Ip("10.96.0.10"), 80), TimeSpan.Zero);
        connections.Create(service, server, new ConnectionTuple(IpProtocol.Tcp, Ip("10.244.0.6"), 41234, Ip("10.96.0.10"), 80), TimeSpan.Zero);

        var listing = IpvsadmFormatter.ConnectionsListing(connections, TimeSpan.Zero);

        Assert.Equal("IPVS connection entries", listing.Lines[0].Text);
        Assert.Equal("pro expire state       source             virtual            destination", listing.Lines[1].Text);
        Assert.Equal([LineKind.Heading, LineKind.Heading, LineKind.Connection, LineKind.Connection], listing.Lines.Select(l => l.Kind));
        Assert.Equal(IpvsadmFormatter.ListConnections(connections, TimeSpan.Zero), listing.Text);
        Assert.Equal(3, IpvsadmFormatter.ConnectionsListing(connections, TimeSpan.Zero, maxEntries: 1).Lines.Count);
    }

    [Fact]
    public void IpsetList_MemberAnchors_LeadToTheMemberUnderItsOwnSet()
    {
        // The same member in two sets; the kernel lists I-IPPORT's members in bucket order: .12, .10, .11, then .13.
        var sets = IpSetRestoreParser.Parse("""
            create E-IPPORT hash:ip,port family inet hashsize 1024 maxelem 65536 initval 0x4cffbc52
            add E-IPPORT 10.96.0.10,tcp:80
            create I-IPPORT hash:ip,port family inet hashsize 1024 maxelem 65536 initval 0x12345678
            add I-IPPORT 10.96.0.10,tcp:80
            add I-IPPORT 10.96.0.11,tcp:80
            add I-IPPORT 10.96.0.12,tcp:80
            add I-IPPORT 10.96.0.13,udp:53
            """);

        var listing = IpSetListWriter.Listing(sets);

        Assert.Equal(IpSetListWriter.Write(sets), listing.Text);
        var web = IpSetEntry.ForIpPort(Ip("10.96.0.10"), IpProtocol.Tcp, 80);
        Assert.Equal(9, listing.LineOf(new SetMemberAnchor("E-IPPORT", web)));
        Assert.Equal("Name: I-IPPORT", listing.Lines[10].Text);
        Assert.Equal(LineKind.Separator, listing.Lines[9].Kind);
        // Line 18 is "Members:", then the four members in the kernel's order.
        Assert.Equal(20, listing.LineOf(new SetMemberAnchor("I-IPPORT", web)));
        Assert.Equal(19, listing.LineOf(new SetMemberAnchor("I-IPPORT", IpSetEntry.ForIpPort(Ip("10.96.0.12"), IpProtocol.Tcp, 80))));
        Assert.Equal(22, listing.LineOf(new SetMemberAnchor("I-IPPORT", IpSetEntry.ForIpPort(Ip("10.96.0.13"), IpProtocol.Udp, 53))));
        Assert.Equal("10.96.0.13,udp:53", listing.Lines[21].Text);
        Assert.Null(listing.LineOf(new SetMemberAnchor("E-IPPORT", IpSetEntry.ForIpPort(Ip("10.96.0.13"), IpProtocol.Udp, 53))));
    }

    [Fact]
    public void ConntrackList_Listing_OneConnectionLineAnEntryAsConntrackPrintsIt()
    {
        var table = new ConntrackTable(ConntrackSettings.KubeProxyNode(), seed: 1);
        foreach (var port in (ushort[])[41234, 41235])
        {
            var entry = table.CreateUnconfirmed(new ConnectionTuple(IpProtocol.Tcp, Ip("10.244.0.5"), port, Ip("10.96.0.10"), 80), TimeSpan.Zero);
            table.Track(entry, TcpFlags.Syn, isReply: false, TimeSpan.Zero);
            table.Confirm(entry);
        }

        var listing = table.Listing(TimeSpan.Zero);

        // A SYN_SENT entry has 120 s: conntrack -L shows 119 right away.
        Assert.Equal([LineKind.Connection, LineKind.Connection], listing.Lines.Select(l => l.Kind));
        Assert.All(listing.Lines, l => Assert.StartsWith("tcp      6 119 SYN_SENT src=10.244.0.5 dst=10.96.0.10 sport=4123", l.Text, StringComparison.Ordinal));
        Assert.Single(table.Listing(TimeSpan.Zero, maxEntries: 1).Lines);
    }
}
