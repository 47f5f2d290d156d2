using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Netfilter.Matches;
using Dashboard.Simulation.Packets;
using Dashboard.Simulation.Scenarios;
using static Dashboard.Simulation.Tests.Netfilter.NetfilterTestKit;

namespace Dashboard.Simulation.Tests.KubeProxy;

/// <summary>
/// kube-proxy's IPVS proxier against what kube-proxy itself writes: the spec's example derived from proxier.go, and the
/// facts kube-proxy's own proxier_test.go fixtures check (chain contents, set entries, virtual and real servers).
/// </summary>
public class IpvsProxierTests
{
    private static readonly NodeSettings Node = NodeSettings.Default;
    private static readonly NodeIpvs Small = NodeIpvs.Build(ScenarioCatalog.Load("small"), Node);
    private static readonly NodeIpvs External = NodeIpvs.Build(IpvsTestScenarios.Read(IpvsTestScenarios.ExternalAndLoadBalancers), Node);

    [Fact]
    public void SyncRestoreInput_DerivedExample_IsWhatWriteIptablesRulesWrites()
    {
        const string expected = """
            *nat
            :KUBE-SERVICES - [0:0]
            :KUBE-POSTROUTING - [0:0]
            :KUBE-NODE-PORT - [0:0]
            :KUBE-LOAD-BALANCER - [0:0]
            :KUBE-MARK-MASQ - [0:0]
            -A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN
            -A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE
            -A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ
            -A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
            -A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT
            -A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ
            -A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT
            -A KUBE-POSTROUTING -m mark ! --mark 0x004000/0x004000 -j RETURN
            -A KUBE-POSTROUTING -j MARK --xor-mark 0x004000
            -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
            -A KUBE-MARK-MASQ -j MARK --or-mark 0x004000
            COMMIT
            *filter
            :KUBE-FORWARD - [0:0]
            :KUBE-NODE-PORT - [0:0]
            :KUBE-PROXY-FIREWALL - [0:0]
            :KUBE-SOURCE-RANGES-FIREWALL - [0:0]
            :KUBE-IPVS-FILTER - [0:0]
            :KUBE-IPVS-OUT-FILTER - [0:0]
            -A KUBE-SOURCE-RANGES-FIREWALL -j DROP
            -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x004000/0x004000 -j ACCEPT
            -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
            -A KUBE-NODE-PORT -m comment --comment "Kubernetes health check node port" -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT
            -A KUBE-IPVS-FILTER -m set --match-set KUBE-LOAD-BALANCER dst,dst -j RETURN
            -A KUBE-IPVS-FILTER -m set --match-set KUBE-CLUSTER-IP dst,dst -j RETURN
            -A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP dst,dst -j RETURN
            -A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst -j RETURN
            -A KUBE-IPVS-FILTER -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN
            -A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT
            COMMIT

            """;

        Assert.Equal(expected, IpvsProxier.SyncRestoreInput(IpvsTestScenarios.Read(IpvsTestScenarios.DerivedExample), Node));
    }

    [Fact]
    public void Build_DerivedExample_SetsAndVirtualServersOfTheSpec()
    {
        var node = NodeIpvs.Build(IpvsTestScenarios.Read(IpvsTestScenarios.DerivedExample), Node);

        Assert.Equal(["10.96.5.5,tcp:80"], Members(node, "KUBE-CLUSTER-IP"));
        Assert.Equal(["30080"], Members(node, "KUBE-NODE-PORT-TCP"));
        Assert.Equal(["10.96.5.5"], Members(node, "KUBE-IPVS-IPS"));
        Assert.Equal(["10.244.1.2,tcp:8080,10.244.1.2"], Members(node, "KUBE-LOOP-BACK"));
        Assert.Equal(
            ["TCP 10.96.5.5:80 rr -> 10.244.1.2:8080 Masquerade 1", "TCP 192.168.1.10:30080 rr -> 10.244.1.2:8080 Masquerade 1"],
            VirtualServers(node));
        Assert.Equal([Ipv4Address.Parse("10.96.5.5")], node.BoundAddresses);
    }

    [Fact]
    public void KubeServices_SmallScenario_LocalhostReturnMasqueradeNodePortsThenAccept()
    {
        Assert.Equal(
        [
            ("RETURN", ""), ("KUBE-MARK-MASQ", "KUBE-CLUSTER-IP"), ("KUBE-NODE-PORT", ""), ("ACCEPT", "KUBE-CLUSTER-IP"),
        ], Rules(Small, "nat", "KUBE-SERVICES"));
        Assert.Equal(Ipv4Prefix.Parse("127.0.0.0/8"), Small.Ruleset.Find("nat")!.Find("KUBE-SERVICES")!.Rules[0].Source);
    }

    [Fact]
    public void KubeServices_ExternalIpsAndLoadBalancer_OrderOfTestAcceptIPVSTraffic()
    {
        // TestAcceptIPVSTraffic's expectation, with the two EXTERNAL-IP-LOCAL accepts this scenario adds after EXTERNAL-IP's.
        Assert.Equal(
        [
            ("RETURN", ""),
            ("KUBE-LOAD-BALANCER", "KUBE-LOAD-BALANCER"),
            ("KUBE-MARK-MASQ", "KUBE-CLUSTER-IP"),
            ("KUBE-MARK-MASQ", "KUBE-EXTERNAL-IP"),
            ("ACCEPT", "KUBE-EXTERNAL-IP"),
            ("ACCEPT", "KUBE-EXTERNAL-IP"),
            ("ACCEPT", "KUBE-EXTERNAL-IP-LOCAL"),
            ("ACCEPT", "KUBE-EXTERNAL-IP-LOCAL"),
            ("KUBE-NODE-PORT", ""),
            ("ACCEPT", "KUBE-CLUSTER-IP"),
            ("ACCEPT", "KUBE-LOAD-BALANCER"),
        ], Rules(External, "nat", "KUBE-SERVICES"));
        Assert.Contains(
            "-A KUBE-SERVICES -m comment --comment \"Kubernetes service external ip + port for masquerade and filter purpose\" -m set --match-set KUBE-EXTERNAL-IP dst,dst -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT\n",
            External.SyncRestoreInput, StringComparison.Ordinal);
    }

    [Fact]
    public void KubeNodePort_LocalPolicyNodePort_ReturnThenMasqueradeThenHealthCheckAccept()
    {
        // TestOnlyLocalNodePorts: getRules merges nat's and filter's KUBE-NODE-PORT.
        Assert.Equal(
        [
            ("RETURN", "KUBE-NODE-PORT-LOCAL-TCP"), ("KUBE-MARK-MASQ", "KUBE-NODE-PORT-TCP"), ("ACCEPT", "KUBE-HEALTH-CHECK-NODE-PORT"),
        ], [.. Rules(Small, "nat", "KUBE-NODE-PORT"), .. Rules(Small, "filter", "KUBE-NODE-PORT")]);
        Assert.Equal(["30060"], Members(Small, "KUBE-NODE-PORT-LOCAL-TCP"));
        Assert.Equal(["30060", "30080"], Members(Small, "KUBE-NODE-PORT-TCP"));
    }

    [Fact]
    public void Sets_SmallScenario_EntriesKubeProxyAdds()
    {
        Assert.Equal(
            ["10.96.0.10,tcp:53", "10.96.0.10,udp:53", "10.96.0.20,tcp:80", "10.96.0.30,tcp:80", "10.96.0.40,tcp:80", "10.96.0.50,tcp:80", "10.96.0.60,tcp:80"],
            Members(Small, "KUBE-CLUSTER-IP"));
        Assert.Equal(["10.244.0.6,tcp:8080,10.244.0.6", "10.244.0.7,tcp:8080,10.244.0.7"], Members(Small, "KUBE-LOOP-BACK"));
        Assert.Equal(["10.96.0.10", "10.96.0.20", "10.96.0.30", "10.96.0.40", "10.96.0.50", "10.96.0.60"], Members(Small, "KUBE-IPVS-IPS"));
        Assert.Equal(17, Small.IpSets.Count);
        foreach (var empty in (string[])["KUBE-EXTERNAL-IP", "KUBE-LOAD-BALANCER", "KUBE-NODE-PORT-UDP", "KUBE-NODE-PORT-SCTP-HASH", "KUBE-HEALTH-CHECK-NODE-PORT"])
        {
            Assert.Empty(Members(Small, empty));
        }
    }

    [Fact]
    public void Sets_LoadBalancerSourceRangesWithoutTheNode_FirewallSetsAndAnIpvsOutFilterDrop()
    {
        var node = NodeIpvs.Build(IpvsTestScenarios.Read(IpvsTestScenarios.LoadBalancerSourceRanges), Node);

        Assert.Equal(["1.2.3.4,tcp:80"], Members(node, "KUBE-LOAD-BALANCER"));
        Assert.Equal(["1.2.3.4,tcp:80"], Members(node, "KUBE-LOAD-BALANCER-FW"));
        Assert.Equal(["1.2.3.4,tcp:80,10.0.0.0/8"], Members(node, "KUBE-LOAD-BALANCER-SOURCE-CIDR"));
        Assert.Empty(Members(node, "KUBE-LOAD-BALANCER-SOURCE-IP"));
        Assert.Equal([("KUBE-SOURCE-RANGES-FIREWALL", "KUBE-LOAD-BALANCER-FW")], Rules(node, "filter", "KUBE-PROXY-FIREWALL"));
        Assert.Equal([("RETURN", "KUBE-LOAD-BALANCER-SOURCE-CIDR"), ("DROP", "")], Rules(node, "filter", "KUBE-SOURCE-RANGES-FIREWALL"));
        // 192.168.1.10 is outside 10.0.0.0/8: the node's own connections to the VIP are dropped once IPVS has them.
        Assert.Contains("-A KUBE-IPVS-OUT-FILTER -s 1.2.3.4 -m ipvs --vaddr 1.2.3.4 --vproto tcp --vport 80 -j DROP\n", node.SyncRestoreInput, StringComparison.Ordinal);
        Assert.Contains("-A KUBE-IPVS-OUT-FILTER -s 1.2.3.4/32 -m ipvs --vproto 6 --vaddr 1.2.3.4 --vport 80 -j DROP\n", node.IptablesSave(), StringComparison.Ordinal);
    }

    [Fact]
    public void Sets_LoadBalancerSourceRangesWithTheNode_SourceIpEntryInsteadOfOutFilter()
    {
        Assert.Equal(["203.0.113.10,tcp:80,10.0.0.0/8", "203.0.113.10,tcp:80,192.168.0.0/16"], Members(External, "KUBE-LOAD-BALANCER-SOURCE-CIDR"));
        Assert.Equal(["203.0.113.10,tcp:80,203.0.113.10"], Members(External, "KUBE-LOAD-BALANCER-SOURCE-IP"));
        Assert.Equal([("RETURN", "KUBE-LOAD-BALANCER-SOURCE-CIDR"), ("RETURN", "KUBE-LOAD-BALANCER-SOURCE-IP"), ("DROP", "")],
            Rules(External, "filter", "KUBE-SOURCE-RANGES-FIREWALL"));
        Assert.Empty(External.Ruleset.Find("filter")!.Find("KUBE-IPVS-OUT-FILTER")!.Rules);
    }

    [Fact]
    public void Sets_ExternalIpsLoadBalancerAndNodePorts_EachPolicyInItsSets()
    {
        Assert.Equal(["192.168.1.10,tcp:8443", "198.51.100.20,tcp:8443"], Members(External, "KUBE-EXTERNAL-IP"));
        Assert.Equal(["198.51.100.30,tcp:80"], Members(External, "KUBE-EXTERNAL-IP-LOCAL"));
        // ipMode Proxy ingress addresses get nothing: 203.0.113.11 is in no set and has no virtual server.
        Assert.Equal(["203.0.113.10,tcp:80"], Members(External, "KUBE-LOAD-BALANCER"));
        Assert.Equal(["203.0.113.10,tcp:80"], Members(External, "KUBE-LOAD-BALANCER-LOCAL"));
        Assert.Equal(["203.0.113.10,tcp:80"], Members(External, "KUBE-LOAD-BALANCER-FW"));
        Assert.Equal(["32100"], Members(External, "KUBE-HEALTH-CHECK-NODE-PORT"));
        Assert.Equal(["30053"], Members(External, "KUBE-NODE-PORT-UDP"));
        Assert.Equal(["31080"], Members(External, "KUBE-NODE-PORT-TCP"));
        Assert.Equal(["31080"], Members(External, "KUBE-NODE-PORT-LOCAL-TCP"));
        Assert.Equal(["192.168.1.10,sctp:30900"], Members(External, "KUBE-NODE-PORT-SCTP-HASH"));
        Assert.Equal(["192.168.1.10,sctp:30900"], Members(External, "KUBE-NODE-PORT-LOCAL-SCTP-HASH"));
        Assert.DoesNotContain(External.Services.Services, s => s.Address == Ipv4Address.Parse("203.0.113.11"));
    }

    [Fact]
    public void LoopBack_LocalEndpoints_IncludesNotReadyOnesThatAreNeverRealServers()
    {
        // TestEndpointSliceE2E: a local endpoint that is not ready (10.244.0.10 here) still gets its hairpin entry.
        Assert.Equal(
            ["10.244.0.10,tcp:8080,10.244.0.10", "10.244.0.20,sctp:9000,10.244.0.20", "10.244.0.9,tcp:8080,10.244.0.9"],
            Members(External, "KUBE-LOOP-BACK"));
        Assert.Equal(["TCP 10.96.1.10:80 rr -> 10.244.0.9:8080 Masquerade 1, 10.244.1.9:8080 Masquerade 1"], VirtualServers(External, "10.96.1.10"));
    }

    [Fact]
    public void VirtualServers_SmallScenario_OnePerClusterIpAndNodePortRoundRobinMasqueradeWeightOne()
    {
        Assert.Equal(
        [
            "TCP 10.96.0.10:53 rr -> 10.244.1.2:53 Masquerade 1, 10.244.2.2:53 Masquerade 1",
            "TCP 10.96.0.20:80 rr -> 10.244.0.6:8080 Masquerade 1, 10.244.1.3:8080 Masquerade 1, 10.244.2.4:8080 Masquerade 1",
            "TCP 10.96.0.30:80 rr -> 10.244.1.4:8080 Masquerade 1, 10.244.2.5:8080 Masquerade 1",
            "TCP 10.96.0.40:80 rr -> ",
            "TCP 10.96.0.50:80 rr persistent 10800 -> 10.244.1.5:8080 Masquerade 1, 10.244.2.6:8080 Masquerade 1",
            "TCP 10.96.0.60:80 rr -> 10.244.0.7:8080 Masquerade 1, 10.244.1.6:8080 Masquerade 1",
            // The Local-policy NodePort gets only this node's endpoint; its ClusterIP keeps both.
            "TCP 192.168.1.10:30060 rr -> 10.244.0.7:8080 Masquerade 1",
            "TCP 192.168.1.10:30080 rr -> 10.244.1.4:8080 Masquerade 1, 10.244.2.5:8080 Masquerade 1",
            "UDP 10.96.0.10:53 rr -> 10.244.1.2:53 Masquerade 1, 10.244.2.2:53 Masquerade 1",
        ], VirtualServers(Small));
        Assert.Equal("demo/api:http", Small.ServicePortOf[Small.Services.Lookup(IpProtocol.Tcp, Node.Ip, 30060).Service!].Name);
    }

    [Fact]
    public void VirtualServers_LocalPolicyWithoutLocalEndpoints_FallBackToClusterEndpoints()
    {
        // proxier.go syncEndpoint: with onlyNodeLocalEndpoints and no local endpoint, "Allow access from local PODs even
        // if no local endpoints exist" (PR 97081): the cluster endpoints become the real servers.
        Assert.Equal(["TCP 198.51.100.30:80 rr -> 10.244.1.10:8080 Masquerade 1"], VirtualServers(External, "198.51.100.30"));
        // With a ready local endpoint, only it serves the Local-policy addresses.
        Assert.Equal(["TCP 203.0.113.10:80 rr -> 10.244.0.9:8080 Masquerade 1"], VirtualServers(External, "203.0.113.10"));
    }

    [Fact]
    public void VirtualServers_InternalPolicyLocalWithoutLocalEndpoints_ClusterIpHasNoRealServers()
    {
        // Fixture "internalTrafficPolicy is local with zero local endpoints": the fallback has no cluster endpoints to
        // fall back to, so the ClusterIP virtual server exists with 0 real servers.
        var node = NodeIpvs.Build(IpvsTestScenarios.Read(IpvsTestScenarios.InternalLocalWithoutLocalEndpoints), Node);
        Assert.Equal(["TCP 10.96.3.10:80 rr -> "], VirtualServers(node));
        Assert.Equal(["10.96.3.10,tcp:80"], Members(node, "KUBE-CLUSTER-IP"));
    }

    [Fact]
    public void BoundAddresses_ExternalIps_AllButTheNodesOwnAddressOnKubeIpvs0()
    {
        string[] expected = ["10.96.1.10", "10.96.1.20", "10.96.1.30", "10.96.1.40", "10.96.1.50", "198.51.100.20", "198.51.100.30", "203.0.113.10"];
        Assert.Equal(expected.Select(Ipv4Address.Parse), External.BoundAddresses);
        Assert.Equal(expected.Order(StringComparer.Ordinal), Members(External, "KUBE-IPVS-IPS"));
        // The node's own address still gets its virtual servers (external IP 8443 and the three NodePorts).
        Assert.Equal(4, External.Services.Services.Count(s => s.Address == Node.Ip));
    }

    [Theory]
    [InlineData("rr")]
    [InlineData("wlc")]
    public void Build_Scheduler_EveryVirtualServerUsesIt(string scheduler)
    {
        var node = NodeIpvs.Build(ScenarioCatalog.Load("small"), Node, scheduler);
        Assert.All(node.Services.Services, s => Assert.Equal(scheduler, s.Scheduler.Name));
        Assert.Contains($"-A -t 10.96.0.20:80 -s {scheduler}\n", node.IpvsadmSave(), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_Maglev_KubeProxySetsMhPortWhichIpvsadmShowsAsASchedulerFlag()
    {
        // kube-proxy's FlagSourceHash (0x10) on an mh service is the kernel's IP_VS_SVC_F_SCHED2: ipvsadm's mh-port.
        var node = NodeIpvs.Build(ScenarioCatalog.Load("small"), Node, "mh");
        Assert.Contains("-A -t 10.96.0.20:80 -s mh -b mh-port\n", node.IpvsadmSave(), StringComparison.Ordinal);
        Assert.Contains("TCP  10.96.0.20:80 mh (mh-port)\n", IpvsadmFormatter.List(node.Services), StringComparison.Ordinal);
        Assert.All(IpvsadmSaveParser.Parse(node.IpvsadmSave()), s => Assert.Equal("mh-port", s.SchedulerFlags));
    }

    [Fact]
    public void Build_EmptyScheduler_RoundRobinAsKubeProxy() =>
        Assert.All(NodeIpvs.Build(ScenarioCatalog.Load("small"), Node, "").Services.Services, s => Assert.Equal("rr", s.Scheduler.Name));

    [Theory]
    [InlineData("fastest", "Unknown IPVS scheduler 'fastest'")]
    [InlineData("lblc", "not simulated")]
    public void Build_UnknownScheduler_ArgumentExceptionNamingTheKnownOnes(string scheduler, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => NodeIpvs.Build(new ClusterObjects([], []), Node, scheduler));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("rr, wrr, lc, wlc", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ForwardingMethod.DirectRouting, "-g")]
    [InlineData(ForwardingMethod.Tunnel, "-i")]
    public void Build_OtherForwardingMethod_EveryRealServerUsesIt(ForwardingMethod method, string ipvsadmSwitch)
    {
        var node = NodeIpvs.Build(ScenarioCatalog.Load("small"), Node, method: method);
        Assert.All(node.Services.Services.SelectMany(s => s.Servers), r => Assert.Equal(method, r.Method));
        Assert.Contains($"-a -t 10.96.0.20:80 -r 10.244.1.3:8080 {ipvsadmSwitch} -w 1\n", node.IpvsadmSave(), StringComparison.Ordinal);
    }

    [Fact]
    public void Sysctls_Kernel6WithoutStrictArp_ConntrackExpiryAndForwarding()
    {
        Assert.Equal(
        [
            ("net/ipv4/vs/conntrack", "1"), ("net/ipv4/vs/expire_nodest_conn", "1"), ("net/ipv4/vs/expire_quiescent_template", "1"), ("net/ipv4/ip_forward", "1"),
        ], Small.Sysctls.Select(s => (s.Name, s.Value)));
        Assert.All(Small.Sysctls, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
    }

    [Fact]
    public void BuiltinJumps_FreshNode_PrependedJumpsInReverseAndNoIptablesModeChains()
    {
        var filter = Small.Ruleset.Find("filter")!;
        Assert.Equal(["KUBE-IPVS-FILTER", "KUBE-PROXY-FIREWALL", "KUBE-NODE-PORT"], filter.Find("INPUT")!.Rules.Select(r => r.Target!.Name));
        Assert.Equal(["KUBE-PROXY-FIREWALL", "KUBE-FORWARD"], filter.Find("FORWARD")!.Rules.Select(r => r.Target!.Name));
        Assert.Equal(["KUBE-IPVS-OUT-FILTER"], filter.Find("OUTPUT")!.Rules.Select(r => r.Target!.Name));
        Assert.Null(Small.Ruleset.Find("mangle"));
        Assert.Null(filter.Find("KUBE-FIREWALL"));
        Assert.Null(filter.Find("KUBE-PROXY-CANARY"));
        Assert.DoesNotContain(Small.Ruleset.Find("nat")!.Chains, c => c.Name.StartsWith("KUBE-SVC-", StringComparison.Ordinal) || c.Name.StartsWith("KUBE-SEP-", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10.96.0.20", 80, "RETURN")]
    [InlineData("10.96.0.20", 22, "REJECT")]
    [InlineData("192.168.1.10", 22, null)]
    public void IpvsFilter_NewConnectionToAVip_OnlyServicePortsPass(string destination, ushort port, string? verdict)
    {
        // Issue 72236: a VIP is a local address on kube-ipvs0, so without this chain sshd would answer on every ClusterIP.
        var chain = Small.Ruleset.Find("filter")!.Find("KUBE-IPVS-FILTER")!;
        var context = Context(Tcp("192.168.5.5", 40000, destination, port), ipSets: Small.IpSets);
        Assert.Equal(verdict, chain.Rules.FirstOrDefault(r => Evaluate(r, context))?.Target!.Name);
    }

    /// <summary>A chain as kube-proxy's getRules sees it: each rule's target and the set it matches ("" for none).</summary>
    private static List<(string Target, string MatchSet)> Rules(NodeIpvs node, string table, string chain) =>
        [.. node.Ruleset.Find(table)!.Find(chain)!.Rules.Select(r => (r.Target!.Name, r.Matches.OfType<SetMatch>().FirstOrDefault()?.SetName ?? ""))];

    private static List<string> Members(NodeIpvs node, string set) =>
        [.. node.IpSets[set].Members.Select(m => m.Entry.Format(node.IpSets[set].Type)).Order(StringComparer.Ordinal)];

    /// <summary>"PROTO address:port scheduler [persistent N] -> server method weight, ...", sorted, optionally for one address.</summary>
    private static List<string> VirtualServers(NodeIpvs node, string? address = null) =>
    [
        .. node.Services.Services
            .Where(s => address is null || s.Address == Ipv4Address.Parse(address))
            .Select(s => $"{IpvsadmFormatter.ProtocolName(s.Protocol)} {s.Address}:{s.Port} {s.Scheduler.Name}" +
                (s.IsPersistent ? $" persistent {s.PersistenceTimeoutSeconds}" : "") + " -> " +
                string.Join(", ", s.Servers.Select(r => $"{r.Address}:{r.Port} {r.Method} {r.Weight}").Order(StringComparer.Ordinal)))
            .Order(StringComparer.Ordinal),
    ];
}

/// <summary>Clusters for the IPVS tests, as `kubectl get svc,endpointslices -o yaml` prints them (one object per document).</summary>
internal static class IpvsTestScenarios
{
    /// <summary>
    /// The spec's derived example: NodePort web/svc 10.96.5.5:80/TCP, nodePort 30080, one endpoint 10.244.1.2:8080 on
    /// this node.
    /// </summary>
    public static readonly string DerivedExample = Documents(
        Service("svc", "{type: NodePort, clusterIP: 10.96.5.5, ports: [{port: 80, protocol: TCP, targetPort: 8080, nodePort: 30080}]}", ns: "web"),
        Slice("svc", "{name: '', port: 8080, protocol: TCP}", ["{addresses: [10.244.1.2], nodeName: node-1}"], ns: "web"));

    /// <summary>
    /// External IPs (Cluster and Local policy, one of them the node's own IP), a Local-policy load balancer whose source
    /// ranges include the node IP, with a health-check port, a second ingress in ipMode Proxy and a not-ready local
    /// endpoint, a UDP NodePort and a Local-policy SCTP NodePort. No load balancer excludes the node: that would need
    /// `-m ipvs`, which the kernel test cannot load.
    /// </summary>
    public static readonly string ExternalAndLoadBalancers = Documents(
        Service("front",
            "{type: LoadBalancer, clusterIP: 10.96.1.10, externalTrafficPolicy: Local, healthCheckNodePort: 32100, " +
            "loadBalancerSourceRanges: [192.168.0.0/16, 10.0.0.0/8], ports: [{name: http, port: 80, protocol: TCP, targetPort: 8080, nodePort: 31080}]}",
            "{loadBalancer: {ingress: [{ip: 203.0.113.10, ipMode: VIP}, {ip: 203.0.113.11, ipMode: Proxy}]}}"),
        Slice("front", "{name: http, port: 8080, protocol: TCP}",
        [
            "{addresses: [10.244.0.9], nodeName: node-1, conditions: {ready: true, serving: true, terminating: false}}",
            "{addresses: [10.244.0.10], nodeName: node-1, conditions: {ready: false, serving: false, terminating: true}}",
            "{addresses: [10.244.1.9], nodeName: node-2, conditions: {ready: true, serving: true, terminating: false}}",
        ]),
        Service("ext", "{type: ClusterIP, clusterIP: 10.96.1.20, externalIPs: [198.51.100.20, 192.168.1.10], ports: [{name: https, port: 8443, protocol: TCP}]}"),
        Slice("ext", "{name: https, port: 8443, protocol: TCP}", ["{addresses: [10.244.2.9], nodeName: node-3}"]),
        Service("extlocal",
            "{type: ClusterIP, clusterIP: 10.96.1.30, externalIPs: [198.51.100.30], externalTrafficPolicy: Local, ports: [{name: http, port: 80, protocol: TCP}]}"),
        Slice("extlocal", "{name: http, port: 8080, protocol: TCP}", ["{addresses: [10.244.1.10], nodeName: node-2}"]),
        Service("dns", "{type: NodePort, clusterIP: 10.96.1.40, ports: [{name: dns, port: 53, protocol: UDP, nodePort: 30053}]}"),
        Slice("dns", "{name: dns, port: 53, protocol: UDP}", ["{addresses: [10.244.2.53], nodeName: node-3}"]),
        Service("signal",
            "{type: NodePort, clusterIP: 10.96.1.50, externalTrafficPolicy: Local, ports: [{name: sctp, port: 9000, protocol: SCTP, nodePort: 30900}]}"),
        Slice("signal", "{name: sctp, port: 9000, protocol: SCTP}",
            ["{addresses: [10.244.0.20], nodeName: node-1}", "{addresses: [10.244.2.20], nodeName: node-3}"]));

    /// <summary>kube-proxy's TestLoadBalancerSourceRanges: LB 1.2.3.4:80/TCP allowed from 10.0.0.0/8 only, which leaves the node out.</summary>
    public static readonly string LoadBalancerSourceRanges = Documents(
        Service("lb",
            "{type: LoadBalancer, clusterIP: 10.96.2.10, loadBalancerSourceRanges: [10.0.0.0/8], ports: [{name: p80, port: 80, protocol: TCP, nodePort: 32080}]}",
            "{loadBalancer: {ingress: [{ip: 1.2.3.4}]}}", ns: "ns1"),
        Slice("lb", "{name: p80, port: 80, protocol: TCP}", ["{addresses: [10.180.0.1], nodeName: node-2}"], ns: "ns1"));

    /// <summary>A ClusterIP service with internalTrafficPolicy Local whose only endpoint is on another node.</summary>
    public static readonly string InternalLocalWithoutLocalEndpoints = Documents(
        Service("svc", "{type: ClusterIP, clusterIP: 10.96.3.10, internalTrafficPolicy: Local, ports: [{name: http, port: 80, protocol: TCP}]}"),
        Slice("svc", "{name: http, port: 8080, protocol: TCP}", ["{addresses: [10.244.2.30], nodeName: node-3}"]));

    public static ClusterObjects Read(string yaml) => ClusterObjectsReader.Read(yaml, InputFormat.Yaml);

    private static string Documents(params string[] documents) => string.Join("---\n", documents);

    private static string Service(string name, string spec, string status = "{}", string ns = "demo") =>
        $"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {spec}\nstatus: {status}\n";

    private static string Slice(string service, string port, string[] endpoints, string ns = "demo") =>
        $"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n" +
        $"metadata: {{name: {service}-1, namespace: {ns}, labels: {{kubernetes.io/service-name: {service}}}}}\n" +
        $"addressType: IPv4\nendpoints: [{string.Join(", ", endpoints)}]\nports: [{port}]\n";
}
