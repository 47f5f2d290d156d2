using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Scenarios;
using Dashboard.Simulation.Traffic;
using Dashboard.Web.Rooms;

namespace Dashboard.Web.Tests.Rooms;

/// <summary>Engine events placed on a pane's stations: what the animation draws and the inspector links back to.</summary>
public class LanePathTests
{
    /// <summary>TCP from pods on this node: connections to ClusterIPs, each meeting its service rule or virtual service.</summary>
    private static readonly TrafficProfile PodTcp = TrafficProfile.Default with { UdpShare = 0, ExternalWeight = 0, PodOnOtherNodeWeight = 0 };

    /// <summary>Thirty seconds of the small scenario's traffic through the given lanes, with each lane's path.</summary>
    private static (IReadOnlyList<SimulatedPacket> Packets, LanePath[] Paths) Run(TrafficProfile profile, params LaneOptions[] lanes)
    {
        var run = new ComparisonRun(ScenarioCatalog.Load("small"), NodeSettings.Default, lanes, profile, 1);
        return (run.AdvanceTo(TimeSpan.FromSeconds(30), int.MaxValue), [.. run.Lanes.Select(LanePath.For)]);
    }

    private static int Station(LanePath path, string id) => path.Layout.Stations.Select(s => s.Id).ToList().IndexOf(id);

    /// <summary>A delivered packet's first packet in the lane, and the same connection's later client ACKs.</summary>
    private static (PacketResult Syn, PacketResult Ack) Handshake(IReadOnlyList<SimulatedPacket> packets, int lane, Func<PacketResult, bool> chosen)
    {
        var syn = packets.First(p => p.OpensConnection && p.Lanes[lane] is { Outcome: OutcomeKind.Delivered } r && chosen(r));
        var ack = packets.First(p => p.Conversation == syn.Conversation && p.Step == 2);
        return (syn.Lanes[lane]!, ack.Lanes[lane]!);
    }

    [Fact]
    public void ToWire_IptablesSyn_ScansKubeServicesMatchesDnatsRoutesAndDelivers()
    {
        var (packets, paths) = Run(PodTcp, new LaneOptions("iptables"));
        var path = paths[0];
        // A service that is not first in KUBE-SERVICES, so rules are walked before the match.
        var (syn, _) = Handshake(packets, 0, r => r.Events.Any(e => e is RulesScanned { Chain: "KUBE-SERVICES", Count: > 0 }));

        var wire = path.ToWire(syn, reply: false);

        var services = Station(path, "KUBE-SERVICES");
        var scanned = syn.Events.OfType<RulesScanned>().First(s => s.Chain == "KUBE-SERVICES");
        var scan = Assert.Single(wire.Hops, h => h.K == "scan" && h.S == services);
        Assert.Equal((scanned.FirstRule, scanned.LastRule, "KUBE-SERVICES"), (scan.F, scan.N, scan.T));
        var matched = syn.Events.OfType<RuleMatched>().First(m => m.Chain == "KUBE-SERVICES");
        var match = Assert.Single(wire.Hops, h => h.K == "match" && h.S == services);
        Assert.Equal(matched.Rule, match.N);
        Assert.StartsWith("KUBE-SVC-", match.T, StringComparison.Ordinal);
        Assert.Contains(wire.Hops, h => h.K == "nat" && h.T == $"DNAT dst {syn.To}");
        // kube-proxy's service chain picks an endpoint chain, whose rule DNATs to the pod the packet reached: each drawn
        // at its own station, labelled with the target as iptables-save prints it.
        Assert.Contains(wire.Hops, h => h.K == "match" && h.S == Station(path, "svc") && h.T.StartsWith("KUBE-SEP-", StringComparison.Ordinal));
        Assert.Contains(wire.Hops, h => h.K == "match" && h.S == Station(path, "sep") && h.T == $"DNAT --to-destination {syn.To}");
        Assert.Contains(wire.Hops, h => h.K == "route");
        var deliver = wire.Hops[^1];
        Assert.Equal(("deliver", Station(path, "endpoint"), syn.To), (deliver.K, deliver.S, deliver.T));
        Assert.False(wire.CtHit);
        Assert.True(wire.Seen);
        // The filter table's KUBE-SERVICES (REJECTs for services without endpoints) is not the nat chain the station
        // draws: its scan belongs to the FORWARD hook, not to the bar of nat rules.
        var filterScan = syn.Events.FindIndex(e => e is RulesScanned { Table: "filter", Chain: "KUBE-SERVICES" });
        Assert.True(filterScan >= 0);
        Assert.Equal(Station(path, "FORWARD"), wire.Hops.Single(h => h.E == filterScan).S);
        // The rule walk starts after conntrack's miss: hops keep the events' order.
        Assert.True(wire.Hops.First(h => h.K == "ct").E < scan.E);
    }

    [Fact]
    public void ToWire_IptablesAckOfSameConnection_ConntrackHitAndNoScan()
    {
        var (packets, paths) = Run(PodTcp, new LaneOptions("iptables"));
        var (_, ack) = Handshake(packets, 0, r => r.Events.Any(e => e is RulesScanned { Chain: "KUBE-SERVICES", Count: > 0 }));

        var wire = paths[0].ToWire(ack, reply: false);

        var ct = Assert.Single(wire.Hops, h => h.K == "ct");
        Assert.NotEqual("miss", ct.T);
        Assert.Equal(Station(paths[0], "conntrack"), ct.S);
        // The filter table is still walked (its KUBE-SERVICES only for NEW packets), but no service rule is.
        Assert.DoesNotContain(wire.Hops, h => h.S == Station(paths[0], "KUBE-SERVICES") || h.T == "KUBE-SERVICES");
        Assert.DoesNotContain(wire.Hops, h => h.S == Station(paths[0], "svc") || h.S == Station(paths[0], "sep"));
        // conntrack applies the stored DNAT binding at PREROUTING.
        Assert.Equal(Station(paths[0], "PREROUTING"), wire.Hops.Single(h => h.K == "nat").S);
        Assert.True(wire.CtHit);
    }

    [Fact]
    public void ToWire_IpvsSyn_ServiceBucketSchedulerConnectionAndTransmitHops()
    {
        var (packets, paths) = Run(PodTcp, new LaneOptions("ipvs"));
        var path = paths[0];
        var (syn, _) = Handshake(packets, 0, _ => true);

        var wire = path.ToWire(syn, reply: false);

        var lookup = syn.Events.OfType<IpvsServiceLookup>().Single();
        var svc = Assert.Single(wire.Hops, h => h.K == "svc");
        Assert.Equal((Station(path, "service-table"), lookup.Bucket, lookup.Service), (svc.S, svc.N, svc.T));
        var sched = Assert.Single(wire.Hops, h => h.K == "sched");
        Assert.Equal((Station(path, "scheduler"), syn.To), (sched.S, sched.T));
        var connection = syn.Events.OfType<IpvsConnectionLookup>().First();
        var conn = wire.Hops.First(h => h.K == "conn");
        Assert.Equal((Station(path, "connection-table"), connection.Bucket), (conn.S, conn.N));
        var xmit = Assert.Single(wire.Hops, h => h.K == "xmit");
        Assert.Equal((Station(path, "transmit"), "nat"), (xmit.S, xmit.T));
        Assert.Equal(("deliver", Station(path, "endpoint")), (wire.Hops[^1].K, wire.Hops[^1].S));
        Assert.Equal(syn.To, wire.DstAfter);
    }

    [Fact]
    public void ToWire_TunnelReply_DirectHopAndNotSeenByNode()
    {
        // kube-dns (53 -> 53) is the small scenario's only service TUN reaches.
        var (packets, paths) = Run(TrafficProfile.Default, new LaneOptions("ipvs", Forwarding: ForwardingMethod.Tunnel));
        var reply = packets.First(p => p.FromServer && p.Lanes[0] is { SeenByNode: false });

        var wire = paths[0].ToWire(reply.Lanes[0]!, reply: true);

        var direct = Assert.Single(wire.Hops, h => h.K == "direct");
        Assert.Equal(Station(paths[0], "client"), direct.S);
        Assert.Contains("answers the client directly", direct.T, StringComparison.Ordinal);
        Assert.False(wire.Seen);
        // The request it answers went out in an IPIP packet from the node.
        var request = packets.First(p => p.Conversation == reply.Conversation && p.OpensConnection);
        Assert.StartsWith($"{NodeSettings.Default.Ip} > ", paths[0].ToWire(request.Lanes[0]!, reply: false).Outer, StringComparison.Ordinal);
    }

    [Fact]
    public void ToWire_EveryPacketOfEveryMode_HopsPointAtTheirEventAndAValidStation()
    {
        var (packets, paths) = Run(TrafficProfile.Default, new LaneOptions("iptables"), new LaneOptions("ipvs"));
        var (tunPackets, tunPaths) = Run(TrafficProfile.Default, new LaneOptions("ipvs", Forwarding: ForwardingMethod.Tunnel));

        // The kind of event each hop kind shows.
        var shows = new Dictionary<string, Func<TraversalEvent, bool>>
        {
            ["hook"] = e => e is HookEntered,
            ["ct"] = e => e is ConntrackLookup or ConntrackAltered,
            ["ctnew"] = e => e is ConntrackCreated,
            ["scan"] = e => e is RulesScanned,
            ["match"] = e => e is RuleMatched,
            ["set"] = e => e is SetLookup,
            ["policy"] = e => e is ChainPolicy,
            ["nat"] = e => e is NatApplied,
            ["route"] = e => e is Routed,
            ["svc"] = e => e is IpvsServiceLookup,
            ["sched"] = e => e is IpvsScheduled,
            ["conn"] = e => e is IpvsConnectionLookup,
            ["xmit"] = e => e is IpvsForwarded,
            ["deliver"] = e => e is Delivered,
            ["drop"] = e => e is Dropped,
            ["reject"] = e => e is Rejected,
            ["direct"] = e => e is DirectReply,
        };
        var kinds = new HashSet<string>();
        foreach (var (list, lanePaths) in new[] { (packets, paths), (tunPackets, tunPaths) })
        {
            foreach (var packet in list)
            {
                for (var lane = 0; lane < lanePaths.Length; lane++)
                {
                    if (packet.Lanes[lane] is not { } result)
                    {
                        continue;
                    }
                    var wire = lanePaths[lane].ToWire(result, packet.FromServer);
                    Assert.NotEmpty(wire.Hops);
                    foreach (var hop in wire.Hops)
                    {
                        kinds.Add(hop.K);
                        Assert.InRange(hop.S, 0, lanePaths[lane].Layout.Stations.Count - 1);
                        Assert.InRange(hop.E, 0, result.Events.Count - 1);
                        Assert.True(shows[hop.K](result.Events[hop.E]), $"hop {hop.K} points at {result.Events[hop.E].GetType().Name}");
                    }
                    // Hops are in the engine's order.
                    Assert.Equal(wire.Hops.Select(h => h.E).Order(), wire.Hops.Select(h => h.E));
                }
            }
        }
        // The traffic exercised the kinds the panes draw most.
        Assert.Superset(new HashSet<string> { "hook", "ct", "ctnew", "scan", "match", "set", "nat", "route", "svc", "sched", "conn", "xmit", "deliver", "reject", "direct" }, kinds);
    }

    [Fact]
    public void For_BothModes_LayoutsShareRowsAndHaveDistinctStations()
    {
        var (_, paths) = Run(TrafficProfile.Default, new LaneOptions("iptables"), new LaneOptions("ipvs", "wlc"));

        Assert.Equal(["iptables", "ipvs"], paths.Select(p => p.Layout.Mode));
        Assert.Equal("IPVS (wlc, NAT)", paths[1].Layout.Title);
        Assert.All(paths, p =>
        {
            Assert.Equal(p.Layout.Stations.Count, p.Layout.Stations.Select(s => s.Id).Distinct().Count());
            Assert.Contains(p.Layout.Stations, s => s.Id == "KUBE-SERVICES" && s.Size > 0);
            Assert.All(p.Layout.Stations, s => Assert.InRange(s.Row, 0, p.Layout.Rows - 1));
        });
        Assert.Equal(paths[0].Layout.Stations.Single(s => s.Id == "PREROUTING").Row, paths[1].Layout.Stations.Single(s => s.Id == "PREROUTING").Row);
        // ipvsadm -Ln prints size=4096: the connection table's station has as many buckets.
        Assert.Equal(4096, paths[1].Layout.Stations.Single(s => s.Id == "connection-table").Size);
    }
}
