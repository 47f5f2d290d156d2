using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Packets;
using Dashboard.Simulation.Scenarios;
using Dashboard.Simulation.Traffic;

namespace Dashboard.Simulation.Tests.Engine;

/// <summary>The shared traffic walked through several dataplanes side by side: what the compare page's panes rely on.</summary>
public class ComparisonRunTests
{
    private static readonly NodeSettings Node = NodeSettings.Default;
    private static readonly LaneOptions[] BothModes = [new("iptables"), new("ipvs")];

    private static ComparisonRun Small(TrafficProfile? profile = null, long seed = 1, params LaneOptions[] lanes) =>
        new(ScenarioCatalog.Load("small"), Node, lanes.Length > 0 ? lanes : BothModes, profile ?? TrafficProfile.Default, seed);

    private static string Endpoint(Ipv4Address address, ushort port) => $"{address}:{port}";

    /// <summary>What a pane shows of a packet, as plain values, so two runs can be compared.</summary>
    private static string Describe(SimulatedPacket p) =>
        $"{p.Id} c{p.Conversation.Id} {p.Conversation.Placement} {p.Conversation.Client}:{p.Conversation.ClientPort} -> {p.Conversation.Target} " +
        $"step {p.Step} at {p.At.Ticks} server={p.FromServer} {p.Flags} | " +
        string.Join(" | ", p.Lanes.Select(r => r is null ? "ended" : $"{r.Outcome} {r.To} {r.HeadersBefore} => {r.HeadersAfter}"));

    [Fact]
    public void AdvanceTo_MatchedRules_AreTheRulesOfTheRuleMatchedEventsInOrder()
    {
        var packets = Small().AdvanceTo(TimeSpan.FromSeconds(30), int.MaxValue);

        var results = packets.SelectMany(p => p.Lanes).OfType<PacketResult>().Where(r => r.MatchedRules.Count > 0).ToList();
        Assert.NotEmpty(results);
        foreach (var result in results)
        {
            var events = result.Events.OfType<RuleMatched>().ToList();
            Assert.Equal(events.Select(e => (e.Chain, e.Rule, e.Text)),
                result.MatchedRules.Select(r => (r.Chain.Name, r.Position, IptablesSaveWriter.FormatRule(r))));
        }
    }

    [Fact]
    public void AdvanceTo_SameSeed_SamePacketsInEveryRun()
    {
        var first = Small(seed: 42).AdvanceTo(TimeSpan.FromSeconds(30), int.MaxValue).Select(Describe).ToList();
        var second = Small(seed: 42).AdvanceTo(TimeSpan.FromSeconds(30), int.MaxValue).Select(Describe).ToList();
        var otherSeed = Small(seed: 43).AdvanceTo(TimeSpan.FromSeconds(30), int.MaxValue).Select(Describe).ToList();

        Assert.NotEmpty(first);
        Assert.Equal(first, second);
        // The seed really decides the traffic: otherwise the equality above proves nothing.
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void AdvanceTo_SameSeed_SameLaneGivesSameResultsWhateverItsNeighbours()
    {
        var alone = Small(seed: 5, lanes: [new LaneOptions("ipvs")]).AdvanceTo(TimeSpan.FromSeconds(20), int.MaxValue);
        var beside = Small(seed: 5, lanes: [new LaneOptions("iptables"), new LaneOptions("ipvs")]).AdvanceTo(TimeSpan.FromSeconds(20), int.MaxValue);

        Assert.Equal(alone.Count, beside.Count);
        for (var i = 0; i < alone.Count; i++)
        {
            var a = alone[i].Lanes[0];
            var b = beside[i].Lanes[1];
            Assert.Equal(a is null, b is null);
            Assert.Equal((a?.Outcome, a?.To, a?.HeadersAfter), (b?.Outcome, b?.To, b?.HeadersAfter));
        }
    }

    [Fact]
    public void AdvanceTo_TwoModes_EveryLaneSeesIdenticalClientPackets()
    {
        var packets = Small(seed: 3).AdvanceTo(TimeSpan.FromSeconds(30), int.MaxValue);

        var clientPackets = packets.Where(p => !p.FromServer && p.Lanes.All(l => l is not null)).ToList();
        Assert.True(clientPackets.Count > 50, $"only {clientPackets.Count} client packets in 30 s");
        foreach (var p in clientPackets)
        {
            var c = p.Conversation;
            var expected = (c.Protocol, c.Client, c.ClientPort, c.Target.Address, c.Target.Port, p.Flags);
            foreach (var lane in p.Lanes)
            {
                var h = lane!.HeadersBefore;
                Assert.Equal(expected, (h.Protocol, h.Source, h.SourcePort, h.Destination, h.DestinationPort, h.TcpFlags));
            }
        }
    }

    [Fact]
    public void AdvanceTo_ServerAnswer_ComesFromTheBackendThatLanePickedToWhereTheRequestLeftFrom()
    {
        var packets = Small(seed: 9).AdvanceTo(TimeSpan.FromSeconds(60), int.MaxValue);

        var firsts = packets.Where(p => p.OpensConnection).ToDictionary(p => p.Conversation.Id);
        var answers = packets.Where(p => p.FromServer).ToList();
        Assert.True(answers.Count > 50, $"only {answers.Count} answers in 60 s");
        var differentBackends = 0;
        foreach (var answer in answers)
        {
            var first = firsts[answer.Conversation.Id];
            for (var lane = 0; lane < answer.Lanes.Count; lane++)
            {
                if (answer.Lanes[lane] is not { } reply)
                {
                    continue;
                }
                var request = first.Lanes[lane]!;
                var before = reply.HeadersBefore;
                // The backend's own address: after DNAT or IPVS NAT, the request's destination is that lane's pick.
                Assert.Equal(request.To, Endpoint(before.Source, before.SourcePort));
                Assert.Equal(Endpoint(request.HeadersAfter.Source, request.HeadersAfter.SourcePort), Endpoint(before.Destination, before.DestinationPort));
            }
            if (answer.Lanes.All(l => l is not null) && first.Lanes[0]!.To != first.Lanes[1]!.To)
            {
                differentBackends++;
            }
        }
        // iptables picks at random and IPVS round-robins: if the two never differ, the test cannot tell lanes apart.
        Assert.True(differentBackends > 0);
    }

    [Fact]
    public void AdvanceTo_KeepAlive_MultipliesPacketsPerConnectionNotConnections()
    {
        var oneRequest = TrafficProfile.Default with { UdpShare = 0, RequestsPerConnection = 1 };
        var fiveRequests = oneRequest with { RequestsPerConnection = 5 };
        var until = TimeSpan.FromSeconds(120);

        var short_ = Small(oneRequest, 11, new LaneOptions("iptables"));
        var long_ = Small(fiveRequests, 11, new LaneOptions("iptables"));
        var shortPackets = short_.AdvanceTo(until, int.MaxValue);
        var longPackets = long_.AdvanceTo(until, int.MaxValue);

        // Connections opened are decided by the Poisson draws alone.
        Assert.Equal(short_.Lanes[0].Metrics.NewConnections, long_.Lanes[0].Metrics.NewConnections);
        Assert.Equal(shortPackets.Count(p => p.OpensConnection), longPackets.Count(p => p.OpensConnection));
        // A TCP connection: handshake (3), a request and its answer per keep-alive request (2 each), FIN exchange (3).
        static Dictionary<int, int> PacketsPerFinishedConnection(IReadOnlyList<SimulatedPacket> packets, TimeSpan cut) =>
            packets.Where(p => p.Conversation.Steps[^1].At < cut).GroupBy(p => p.Conversation.Id).Select(g => g.Count())
                .GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());
        var shortCounts = PacketsPerFinishedConnection(shortPackets, until);
        var longCounts = PacketsPerFinishedConnection(longPackets, until);
        Assert.Equal([8], shortCounts.Keys);
        Assert.Equal([16], longCounts.Keys);
    }

    [Fact]
    public void AdvanceTo_IptablesMode_OnlyFirstPacketOfTcpConnectionWalksNatTable()
    {
        var profile = TrafficProfile.Default with { UdpShare = 0 };
        var packets = Small(profile, 4, new LaneOptions("iptables")).AdvanceTo(TimeSpan.FromSeconds(30), int.MaxValue);

        var delivered = packets.Where(p => p.Lanes[0] is { Outcome: OutcomeKind.Delivered }).ToList();
        var firsts = delivered.Where(p => p.OpensConnection).ToList();
        var later = delivered.Where(p => !p.OpensConnection && !p.FromServer).ToList();
        Assert.NotEmpty(firsts);
        Assert.NotEmpty(later);
        foreach (var p in firsts)
        {
            var events = p.Lanes[0]!.Events;
            // KUBE-SERVICES is walked: to a matching rule, or (a pod on another node's connection to a pod here) to its end.
            Assert.Contains(events, e => e is RuleMatched { Table: "nat", Chain: "KUBE-SERVICES" } or RulesScanned { Table: "nat", Chain: "KUBE-SERVICES" });
            Assert.Contains(events, e => e is ConntrackLookup { Result: "miss" });
        }
        foreach (var p in later)
        {
            var events = p.Lanes[0]!.Events;
            // conntrack finds the flow and applies its stored binding: no nat rule is evaluated (the filter table
            // still is, for every packet, so RulesEvaluated is not 0).
            Assert.Contains(events, e => e is ConntrackLookup { Result: not "miss" });
            Assert.DoesNotContain(events, e => e is RuleMatched { Table: "nat" } or RulesScanned { Table: "nat" });
            var natRules = events.OfType<RulesScanned>().Where(s => s.Table == "nat").Sum(s => s.Count) +
                events.OfType<RuleMatched>().Count(m => m.Table == "nat");
            Assert.Equal(0, natRules);
        }
    }

    [Fact]
    public void AdvanceTo_MoreServices_IptablesRulesPerNewConnectionGrowIpvsLookupsStayTheSame()
    {
        const int few = 100, many = 1000;
        var profile = TrafficProfile.Default with { NewConnectionsPerSecond = 100, RequestsPerConnection = 1 };
        ComparisonRun Run(int services)
        {
            var run = new ComparisonRun(ScenarioCatalog.GenerateObjects(services, 3), Node, BothModes, profile, 2);
            run.AdvanceTo(TimeSpan.FromSeconds(10), int.MaxValue);
            return run;
        }
        var small = Run(few);
        var large = Run(many);

        Assert.True(small.Lanes[0].Metrics.NewConnections > 500);
        Assert.True(large.Lanes[0].Metrics.NewConnections > 500);
        // A connection to a uniformly drawn service walks, on average, half of KUBE-SERVICES' one-rule-per-service
        // before its match: (many - few) / 2 more rules. The bound is 5 standard errors of those means.
        var growth = large.Lanes[0].Metrics.RulesPerNewConnection - small.Lanes[0].Metrics.RulesPerNewConnection;
        var expected = (many - few) / 2.0;
        var standardError = many / Math.Sqrt(12 * large.Lanes[0].Metrics.NewConnections);
        Assert.InRange(growth, expected - (5 * standardError), expected + (5 * standardError));
        // IPVS: hash lookups, however many services.
        Assert.Equal(small.Lanes[1].Metrics.LookupsPerNewConnection, large.Lanes[1].Metrics.LookupsPerNewConnection);
        Assert.True(small.Lanes[1].Metrics.LookupsPerNewConnection > 0);
    }

    [Theory]
    [InlineData(ForwardingMethod.DirectRouting)]
    [InlineData(ForwardingMethod.Tunnel)]
    public void Constructor_DirectRoutingOrTunnel_LeavesUnreachableServicesOutWithWarningNamingThem(ForwardingMethod method)
    {
        var run = Small(TrafficProfile.Default, 1, new LaneOptions("iptables"), new LaneOptions("ipvs", Forwarding: method));

        // web, shop, cart and api map port 80 to 8080, which neither DR nor TUN can do.
        foreach (var service in new[] { "demo/web:http", "demo/shop:http", "demo/cart:http", "demo/api:http" })
        {
            Assert.Contains(run.Warnings, w => w.Contains(service, StringComparison.Ordinal) && w.Contains("left out", StringComparison.Ordinal));
        }
        // ghost has no endpoints, so no real server to object to: it stays, and every pane rejects it alike.
        var reachable = method == ForwardingMethod.Tunnel ? new[] { "kube-system/kube-dns", "demo/ghost" } : ["demo/ghost"];
        if (method == ForwardingMethod.DirectRouting)
        {
            // DR also needs the real servers on this node's L2 segment: kube-dns' pods are on other nodes.
            Assert.Contains(run.Warnings, w => w.Contains("kube-system/kube-dns:dns", StringComparison.Ordinal));
        }
        var packets = run.AdvanceTo(TimeSpan.FromSeconds(30), int.MaxValue);
        Assert.NotEmpty(packets);
        // Pods on other nodes connect to pods here directly, never through IPVS: only the rest is limited.
        Assert.All(packets.Where(p => p.Conversation.Target.Kind != TargetKind.LocalPod),
            p => Assert.Contains(reachable, r => p.Conversation.Target.Service.Name.StartsWith(r + ":", StringComparison.Ordinal)));
    }

    [Fact]
    public void AdvanceTo_IpvsMode_ClusterIpRuleNamesTheSetMemberTheServiceMatched()
    {
        var packets = Small(TrafficProfile.Default, 3, new LaneOptions("ipvs")).AdvanceTo(TimeSpan.FromSeconds(30), int.MaxValue);

        var checkedPackets = 0;
        foreach (var result in packets.Where(p => p.OpensConnection && !p.FromServer).Select(p => p.Lanes[0]!))
        {
            var events = result.Events;
            var rule = events.Select((e, i) => (e, i)).FirstOrDefault(x => x.e is RuleMatched m && m.Text.Contains("--match-set KUBE-CLUSTER-IP ", StringComparison.Ordinal));
            if (rule.e is null)
            {
                continue; // a NodePort or external client: another set's rule
            }
            // The member is the service's address, protocol and port, as `ipset list` prints a hash:ip,port entry.
            var sent = result.HeadersBefore;
            var lookup = Assert.IsType<SetLookup>(events[rule.i - 1]);
            Assert.Equal(("KUBE-CLUSTER-IP", "dst,dst"), (lookup.Set, lookup.Flags));
            Assert.Equal($"{sent.Destination},{sent.Protocol.ToName()}:{sent.DestinationPort}", lookup.Member);
            checkedPackets++;
        }
        Assert.True(checkedPackets > 0, "no cluster-IP connection was opened");
    }

    [Theory]
    [InlineData(ForwardingMethod.DirectRouting)]
    [InlineData(ForwardingMethod.Tunnel)]
    public void DrTunScenario_DirectRoutingOrTunnel_CarriesTrafficThatRepliesStraightToTheClient(ForwardingMethod method)
    {
        var run = new ComparisonRun(ScenarioCatalog.Load("dr-tun"), NodeSettings.Default,
            [new LaneOptions("iptables"), new LaneOptions("ipvs", "rr", method)], TrafficProfile.Default, seed: 2);

        // Only spread has pods off this node's L2 segment: DR leaves it out and says why; TUN keeps everything.
        Assert.Equal(method == ForwardingMethod.DirectRouting ? 2 : 0, run.Warnings.Count(w => w.Contains("lvs/spread:http", StringComparison.Ordinal)));
        Assert.DoesNotContain(run.Warnings, w => w.Contains("lvs/echo", StringComparison.Ordinal) || w.Contains("lvs/front", StringComparison.Ordinal));
        var packets = run.AdvanceTo(TimeSpan.FromSeconds(30), int.MaxValue);
        var ipvs = packets.Select(p => p.Lanes[1]).OfType<PacketResult>().ToList();
        Assert.Contains(ipvs, r => r.Outcome == OutcomeKind.Delivered);
        Assert.Contains(ipvs, r => r.Events.OfType<IpvsForwarded>().Any(f => f.Method == (method == ForwardingMethod.Tunnel ? "tun" : "dr")));
        Assert.Contains(ipvs, r => r.Events.OfType<DirectReply>().Any());
        Assert.DoesNotContain(ipvs, r => r.Outcome == OutcomeKind.Rejected);
    }

    [Fact]
    public void MixedGeneratedCluster_EveryKindOfClientAndUdp_HaveTraffic()
    {
        var objects = ScenarioCatalog.GenerateObjects(1000, 3, mixed: true);
        var services = objects.Services;
        // One in ten of each kind, from the objects themselves.
        Assert.Equal(100, services.Count(s => s.Spec.Type == "NodePort"));
        Assert.Equal(100, services.Count(s => s.Spec.Ports.Any(p => p.Protocol == "UDP")));
        Assert.Equal(100, objects.EndpointSlices.Count(s => s.Endpoints.Any(e => e.NodeName == Node.Name)));

        var run = new ComparisonRun(objects, Node, BothModes, TrafficProfile.Default with { NewConnectionsPerSecond = 100 }, 3);
        var packets = run.AdvanceTo(TimeSpan.FromSeconds(20), int.MaxValue);

        Assert.Empty(run.Warnings);
        Assert.All(Enum.GetValues<ClientPlacement>(), placement => Assert.Contains(packets, p => p.Conversation.Placement == placement));
        Assert.Contains(packets, p => p.Conversation.Target.Protocol == IpProtocol.Udp);
        Assert.All(packets.Where(p => p.OpensConnection), p => Assert.Equal(OutcomeKind.Delivered, p.Lanes[0]!.Outcome));
    }

    [Fact]
    public void AdvanceTo_PacketCap_StopsClockAtLastPacketAndSkipsNoTraffic()
    {
        var profile = TrafficProfile.Default with { NewConnectionsPerSecond = 200 };
        var capped = Small(profile, 8);
        var uncapped = Small(profile, 8);
        var until = TimeSpan.FromSeconds(5);

        var first = capped.AdvanceTo(until, 100);
        Assert.Equal(100, first.Count);
        Assert.Equal(first[^1].At, capped.Now);
        Assert.True(capped.Now < until);
        var rest = new List<SimulatedPacket>();
        while (capped.Now < until)
        {
            rest.AddRange(capped.AdvanceTo(until, 100));
        }

        var all = uncapped.AdvanceTo(until, int.MaxValue);
        Assert.Equal(all.Select(Describe), first.Concat(rest).Select(Describe));
        Assert.Equal(until, capped.Now);
    }

    [Fact]
    public void AdvanceTo_ClockMoves_ConntrackAndIpvsEntriesExpire()
    {
        // One TCP connection every 10 s on average: its entries can be followed to their end.
        var profile = TrafficProfile.Default with { NewConnectionsPerSecond = 0.1, UdpShare = 0, RequestsPerConnection = 1 };
        var run = Small(profile, 6);
        SimulatedPacket opener;
        do
        {
            opener = run.Step()!;
        }
        while (!(opener.OpensConnection && opener.Lanes.All(l => l is { Outcome: OutcomeKind.Delivered })));
        var conversation = opener.Conversation;
        var lastStep = conversation.Steps[^1].At;
        while (run.Now < lastStep)
        {
            run.Step();
        }

        bool InConntrack(int lane) => run.Lanes[lane].Dataplane.Conntrack.Entries()
            .Any(e => e.Original.Source == conversation.Client && e.Original.SourcePort == conversation.ClientPort);
        bool InIpvs() => run.Lanes[1].Dataplane.Ipvs!.Connections.Entries
            .Any(e => e.ClientAddress == conversation.Client && e.ClientPort == conversation.ClientPort);
        Assert.True(InConntrack(0));
        Assert.True(InConntrack(1));
        Assert.True(InIpvs());

        // After the last ACK conntrack holds the connection in TIME_WAIT for 120 s; IPVS's longest closing timeout is 120 s too.
        run.AdvanceTo(lastStep + TimeSpan.FromSeconds(119), int.MaxValue);
        Assert.True(InConntrack(0));
        Assert.True(InConntrack(1));
        run.AdvanceTo(lastStep + TimeSpan.FromSeconds(121), int.MaxValue);
        Assert.False(InConntrack(0));
        Assert.False(InConntrack(1));
        Assert.False(InIpvs());
    }

    [Fact]
    public void Step_NoServiceToReach_ReturnsNullAndWarns()
    {
        // A headless service: kube-proxy serves no address of it, so no client has anywhere to connect.
        var headless = ClusterObjectsReader.Read("""
            apiVersion: v1
            kind: Service
            metadata: {name: db, namespace: demo}
            spec:
              clusterIP: None
              ports: [{name: sql, port: 5432, protocol: TCP, targetPort: 5432}]
            """, InputFormat.Yaml);
        var run = new ComparisonRun(headless, Node, BothModes, TrafficProfile.Default, 1);

        Assert.Contains(run.Warnings, w => w.Contains("no traffic", StringComparison.Ordinal));
        Assert.Null(run.Step());
        Assert.Empty(run.AdvanceTo(TimeSpan.FromSeconds(10), int.MaxValue));
        Assert.Equal(TimeSpan.FromSeconds(10), run.Now);
    }

    [Fact]
    public void Constructor_InvalidProfile_ThrowsNamingTheProblem()
    {
        var e = Assert.Throws<ArgumentException>(() => Small(TrafficProfile.Default with { RequestsPerConnection = 0 }));
        Assert.Contains("requests per connection 0", e.Message, StringComparison.Ordinal);
    }
}
