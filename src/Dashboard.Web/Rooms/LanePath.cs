using System.Globalization;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Packets;
using Dashboard.Web.Resources;

namespace Dashboard.Web.Rooms;

/// <summary>
/// A lane's drawing (its <see cref="PathLayout"/>) and the placing of its engine events on it: each traversal event
/// becomes a hop at the station where the kernel did that work. The events are the engine's own output; this only
/// decides where on the drawing each one happens.
/// </summary>
public sealed class LanePath
{
    /// <summary>Grid rows every layout shares, so hooks line up across panes.</summary>
    private const int Rows = 9;

    private const string Client = "client", Endpoint = "endpoint", Conntrack = "conntrack", Route = "routing";

    /// <summary>The stations named in words (the rest are the kernel's own names): the page draws them in its language.</summary>
    public const string ClientsLabel = "clients", PodsLabel = "pods", RoutingLabel = "routing",
        IpvsRoutingLabel = "routing (kube-ipvs0: local)", ServiceTableLabel = "service table", ConnectionTableLabel = "connection table";
    private const string Services = "KUBE-SERVICES", NodePorts = "KUBE-NODEPORTS", ServiceChains = "svc", EndpointChains = "sep";

    private const string IpSet = "ipset", ServiceTable = "service-table", Scheduler = "scheduler", ConnectionTable = "connection-table", Transmit = "transmit";

    private static readonly Dictionary<string, string> ModeColours = new()
    {
        ["iptables"] = "#E8A33D",
        ["ipvs"] = "#2A9D8F",
        ["nftables"] = "#7B61FF",
    };

    private readonly Dictionary<string, int> _index;

    private LanePath(PathLayout layout)
    {
        Layout = layout;
        _index = layout.Stations.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i);
    }

    public PathLayout Layout { get; }

    public static LanePath For(DataplaneLane lane)
    {
        var nat = lane.Dataplane.Ruleset.Find("nat");
        var servicesRules = nat?.Find(Services)?.Rules.Count ?? 0;
        var conntrackBuckets = lane.Dataplane.Conntrack.BucketCount;
        if (lane.Dataplane.Ipvs is { } ipvs)
        {
            var method = IpvsDirector.MethodName(lane.Options.Forwarding).ToUpperInvariant();
            return new LanePath(new PathLayout("ipvs", $"IPVS ({lane.Options.Scheduler}, {method}{(lane.Options.Weights is { } w ? ", weights " + RealServerWeights.Format(w) : "")})", ModeColours["ipvs"],
            [
                new(Client, ClientsLabel, "client", 0, 1),
                new("PREROUTING", "PREROUTING", "hook", 1, 1),
                new(Conntrack, "conntrack", "conntrack", 1, 2, conntrackBuckets),
                new(Services, Services, "rules", 2, 1, servicesRules),
                new(IpSet, "ipset", "set", 2, 2),
                new(Route, IpvsRoutingLabel, "route", 3, 1),
                new("INPUT", "INPUT", "hook", 4, 1),
                new(ServiceTable, ServiceTableLabel, "hash", 5, 0, Simulation.Ipvs.ServiceTable.TableSize),
                new(Scheduler, lane.Options.Scheduler, "scheduler", 5, 1),
                new(ConnectionTable, ConnectionTableLabel, "hash", 5, 2, ipvs.Connections.Size),
                new("FORWARD", "FORWARD", "hook", 6, 0),
                new(Transmit, method, "transmit", 6, 1),
                new("OUTPUT", "OUTPUT", "hook", 6, 2),
                new("POSTROUTING", "POSTROUTING", "hook", 7, 1),
                new(Endpoint, PodsLabel, "endpoint", 8, 1),
            ], Rows, 3));
        }
        return new LanePath(new PathLayout(lane.Options.Mode, lane.Options.Mode, ModeColours.GetValueOrDefault(lane.Options.Mode, "#888888"),
        [
            new(Client, ClientsLabel, "client", 0, 1),
            new("PREROUTING", "PREROUTING", "hook", 1, 1),
            new(Conntrack, "conntrack", "conntrack", 1, 2, conntrackBuckets),
            new(Services, Services, "rules", 2, 1, servicesRules),
            new(NodePorts, NodePorts, "chain", 2, 2),
            new(ServiceChains, "KUBE-SVC / KUBE-EXT", "chain", 3, 1),
            new(EndpointChains, "KUBE-SEP (DNAT)", "chain", 4, 1),
            new(Route, RoutingLabel, "route", 5, 1),
            new("FORWARD", "FORWARD", "hook", 6, 1),
            new("INPUT", "INPUT", "hook", 6, 2),
            new("POSTROUTING", "POSTROUTING", "hook", 7, 1),
            new(Endpoint, PodsLabel, "endpoint", 8, 1),
        ], Rows, 3));
    }

    /// <summary>Places a packet's events on this lane's stations.</summary>
    public WireLanePacket ToWire(PacketResult result, bool reply)
    {
        var hops = new List<WireHop>(result.Events.Count);
        var here = _index[reply ? Endpoint : Client];
        var hook = here;
        var ctHit = false;
        var matched = 0;
        for (var index = 0; index < result.Events.Count; index++)
        {
            switch (result.Events[index])
            {
                case HookEntered h:
                    if (_index.TryGetValue(h.Hook, out var hookStation))
                    {
                        hook = here = hookStation;
                        hops.Add(new WireHop(here, "hook", 0, h.Hook, 0, index));
                    }
                    break;
                case ConntrackLookup c:
                    // A SYN that reopens a closed entry misses right after: only a lookup that keeps its entry skips nat.
                    ctHit |= c.Result is not ("miss" or "reopened");
                    hops.Add(new WireHop(_index[Conntrack], "ct", c.Bucket, c.Result, 0, index));
                    break;
                case ConntrackCreated c:
                    hops.Add(new WireHop(_index[Conntrack], "ctnew", c.Bucket, c.Original, 0, index));
                    break;
                case ConntrackAltered c:
                    hops.Add(new WireHop(_index[Conntrack], "ct", 0, "reply altered: " + c.Reply, 0, index));
                    break;
                case RulesScanned s when s.Count > 0:
                    here = ChainStation(s.Table, s.Chain, hook, here);
                    hops.Add(new WireHop(here, "scan", s.LastRule, s.Chain, s.FirstRule, index));
                    break;
                case SetLookup s when _index.TryGetValue(IpSet, out var set):
                    hops.Add(new WireHop(set, "set", 0, $"{s.Set} {s.Member}", 0, index));
                    break;
                case RuleMatched m:
                    here = ChainStation(m.Table, m.Chain, hook, here);
                    // The rule's target as iptables-save prints it ("DNAT --to-destination 10.244.1.2:8080"), else TRACE's verdict.
                    var target = result.MatchedRules[matched++].Target is { } t ? IptablesSaveWriter.FormatTarget(t) : m.Verdict;
                    hops.Add(new WireHop(here, "match", m.Rule, target, 0, index));
                    break;
                case ChainPolicy p:
                    hops.Add(new WireHop(hook, "policy", 0, $"{p.Table} {p.Chain} policy {p.Policy}", 0, index));
                    break;
                case NatApplied n:
                    hops.Add(new WireHop(here, "nat", 0, $"{n.Rewrite} {Address(n.AfterHeaders, n.Rewrite)}", 0, index));
                    break;
                case Routed r:
                    here = _index[Route];
                    hops.Add(new WireHop(here, "route", 0, r.Decision == "local" ? "local" : $"{r.Decision} via {r.OutInterface}", 0, index));
                    break;
                case IpvsServiceLookup s:
                    here = _index[ServiceTable];
                    hops.Add(new WireHop(here, "svc", s.Bucket, s.Hit ? s.Service : "miss", 0, index));
                    break;
                case IpvsScheduled s:
                    here = _index[Scheduler];
                    hops.Add(new WireHop(here, "sched", 0, s.RealServer, 0, index));
                    break;
                case IpvsConnectionLookup c:
                    here = _index[ConnectionTable];
                    hops.Add(new WireHop(here, "conn", c.Bucket, Explanations.English(c.Outcome), 0, index));
                    break;
                case IpvsForwarded f:
                    here = _index[Transmit];
                    hops.Add(new WireHop(here, "xmit", 0, f.Method, 0, index));
                    break;
                case Delivered d:
                    here = _index[reply ? Client : Endpoint];
                    hops.Add(new WireHop(here, "deliver", 0, d.To, 0, index));
                    break;
                case Dropped d:
                    hops.Add(new WireHop(here, "drop", 0, Explanations.English(d.Why), 0, index));
                    break;
                case Rejected r:
                    hops.Add(new WireHop(here, "reject", 0, Explanations.English(r.Why), 0, index));
                    break;
                case DirectReply d:
                    here = _index[Client];
                    hops.Add(new WireHop(here, "direct", 0, $"{d.Method}: {d.RealServer} answers the client directly", 0, index));
                    break;
            }
        }
        var before = result.HeadersBefore;
        var after = result.HeadersAfter;
        return new WireLanePacket(
            hops,
            result.Outcome.ToString().ToLowerInvariant(),
            $"{before.Source}:{before.SourcePort}",
            $"{before.Destination}:{before.DestinationPort}",
            $"{after.Source}:{after.SourcePort}",
            $"{after.Destination}:{after.DestinationPort}",
            after.Outer is { } outer ? $"{outer.Source} > {outer.Destination}" : null,
            result.Ipvs?.Forward?.Method == "dr" ? after.Ethernet?.Destination : null,
            result.SeenByNode,
            ctHit,
            result.RulesEvaluated,
            result.CostNs);
    }

    /// <summary>
    /// Where a chain's rules are drawn: nat's KUBE-SERVICES, KUBE-NODEPORTS and the per-service chains have stations; the
    /// rest belong to their hook. The filter table has a KUBE-SERVICES too (REJECTs for services without endpoints): its
    /// rules are not the ones the station's bar counts.
    /// </summary>
    private int ChainStation(string table, string chain, int hook, int here)
    {
        if (table == "nat" && _index.TryGetValue(chain, out var station))
        {
            return station;
        }
        return ChainNames.RoleOf(chain) switch
        {
            ChainRole.Service => _index.GetValueOrDefault(ServiceChains, here),
            ChainRole.Endpoint => _index.GetValueOrDefault(EndpointChains, here),
            // KUBE-MARK-MASQ is called from the chain the packet is in; the base and filter chains are their hook's.
            _ => chain == "KUBE-MARK-MASQ" ? here : hook,
        };
    }

    /// <summary>The address a rewrite changed: the source for SNAT, MASQUERADE and un-DNAT, the destination for DNAT and un-SNAT.</summary>
    private static string Address(PacketHeaders headers, string rewrite) =>
        rewrite is "SNAT" or "MASQUERADE" or "un-DNAT"
            ? string.Create(CultureInfo.InvariantCulture, $"src {headers.Source}:{headers.SourcePort}")
            : string.Create(CultureInfo.InvariantCulture, $"dst {headers.Destination}:{headers.DestinationPort}");
}
