using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>Walks a trace: builds the node from the objects, then walks each packet through it in order.</summary>
public static class TraceRunner
{
    /// <summary>
    /// Throws <see cref="TraceInputException"/>, before any packet is walked, when the node built from the objects
    /// cannot do what the packets ask (a forced endpoint of no service, a real server DR or TUN cannot reach).
    /// <paramref name="cancellation"/> stops the walk between packets and syncs.
    /// </summary>
    public static TraceResult Run(TraceInput input, CancellationToken cancellation = default)
    {
        var (node, packets, updates, ipvs) = (input.Node, input.Packets, input.Updates, input.Ipvs);
        ArgumentOutOfRangeException.ThrowIfZero(packets.Count);
        var problems = new List<TraceProblem>();
        cancellation.ThrowIfCancellationRequested();
        var ipvsNode = ipvs is null ? null : NodeIpvs.Build(input.Objects, node, ipvs.Scheduler, ipvs.Forwarding, ipvs.Weights);
        var dataplane = ipvsNode is null
            ? NodeDataplane.ForIptablesNode(input.Objects, node, input.Seed)
            : NodeDataplane.ForIpvsNode(ipvsNode, node, input.Seed, ipvs!.ConnTabBits);
        if (ipvs is null)
        {
            CheckForcedEndpoints(dataplane.Ruleset, packets, problems);
        }
        else
        {
            CheckIpvsTopology(dataplane.Ipvs!.Services, packets, ipvs, problems);
        }
        if (problems.Count > 0)
        {
            throw new TraceInputException(problems);
        }
        var results = new List<PacketTraceResult>(packets.Count);
        var updateResults = new List<UpdateResult>(updates.Count);
        var nextUpdate = 0;
        foreach (var spec in packets)
        {
            cancellation.ThrowIfCancellationRequested();
            while (nextUpdate < updates.Count && updates[nextUpdate].At <= spec.At)
            {
                cancellation.ThrowIfCancellationRequested();
                updateResults.Add(Apply(dataplane, updates[nextUpdate++], node, ipvs));
            }
            dataplane.Ipvs?.RetryGracefulDeletes(spec.At);
            var packet = new Packet
            {
                Protocol = spec.Protocol,
                Source = spec.Source,
                SourcePort = spec.SourcePort,
                Destination = spec.Destination,
                DestinationPort = spec.DestinationPort,
                TcpFlags = spec.Flags,
            };
            var statistic = spec.ForceEndpoint is { } force ? new ForcedEndpointStatistic(force.Address, force.Port) : null;
            var result = dataplane.Process(packet, spec.Origin, spec.At, statistic);
            results.Add(ToView(result));
        }
        while (nextUpdate < updates.Count)
        {
            updateResults.Add(Apply(dataplane, updates[nextUpdate++], node, ipvs));
        }
        var last = TimeSpan.FromSeconds(Math.Max(packets[^1].At.TotalSeconds, updates.Count > 0 ? updates[^1].At.TotalSeconds : 0));
        var views = input.Views ? Views(dataplane, last) : null;
        return new TraceResult(input.Objects.Warnings, results, updateResults, views);
    }

    /// <summary>A kube-proxy sync with the update's objects: new rules (and ipsets, virtual servers), stale UDP flows cleared.</summary>
    private static UpdateResult Apply(NodeDataplane dataplane, ClusterUpdate update, NodeSettings node, IpvsTraceOptions? ipvs)
    {
        IReadOnlyList<Explanation> changes;
        if (ipvs is null)
        {
            var ruleset = NodeIptables.Build(update.Objects, node);
            dataplane.Resync(ruleset);
            changes = [new Explanation(ExplanationCode.IptablesRulesRewritten)];
        }
        else
        {
            var desired = NodeIpvs.Build(update.Objects, node, ipvs.Scheduler, ipvs.Forwarding, ipvs.Weights);
            dataplane.Resync(desired.Ruleset, desired.IpSets, desired.BoundAddresses);
            changes = dataplane.Ipvs!.Sync(desired.Services, update.At);
        }
        var deleted = StaleConntrackCleanup.Run(dataplane.Conntrack, update.Objects, node, update.At);
        return new UpdateResult(update.At.TotalSeconds, changes, deleted);
    }

    private static NodeViews Views(NodeDataplane dataplane, TimeSpan now)
    {
        var conntrack = dataplane.Conntrack.Listing(now).Text;
        if (dataplane.Ipvs is not { } ipvs)
        {
            return new NodeViews(conntrack, null, null, null, null, null);
        }
        ipvs.Connections.Advance(now);
        return new NodeViews(
            conntrack,
            IpvsadmFormatter.List(ipvs.Services, ipvs.Connections.Size),
            IpvsadmFormatter.List(ipvs.Services, ipvs.Connections.Size, sorted: false),
            IpvsadmFormatter.ListConnections(ipvs.Connections, now),
            IpvsadmFormatter.ListStats(ipvs.Services, ipvs.Connections.Size),
            dataplane.IpSets is IpSets.IpSetCollection sets ? IpSets.IpSetListWriter.Write(sets) : null);
    }

    /// <summary>
    /// DR and TUN leave the packet's IP header (DR) or the inner packet (TUN) as the client sent it, so a real server
    /// must accept it at the virtual port: no port mapping. DR also needs every real server on the director's L2
    /// segment, since only the MAC changes. Checked for the virtual services the trace's packets address.
    /// </summary>
    private static void CheckIpvsTopology(ServiceTable services, IReadOnlyList<TracePacket> packets, IpvsTraceOptions ipvs, List<TraceProblem> problems)
    {
        var reported = new HashSet<RealServer>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < packets.Count; i++)
        {
            var packet = packets[i];
            if (packet.ForceEndpoint is not null)
            {
                problems.Add(new ForcedEndpointInIpvsMode(i));
            }
            if (ipvs.Forwarding == ForwardingMethod.Masquerade ||
                services.Lookup(packet.Protocol, packet.Destination, packet.DestinationPort).Service is not { } service)
            {
                continue;
            }
            foreach (var problem in IpvsTopology.Problems(service, ipvs.Forwarding, ipvs.L2Subnet).Where(p => !reported.Contains(p.Server)).ToList())
            {
                problems.Add(new RealServerUnreachable(i, ipvs.Forwarding, problem));
            }
            reported.UnionWith(service.Servers);
        }
    }

    public static PacketTraceResult ToView(PacketResult result)
    {
        // In IPVS mode `trace` ends where IPVS takes the packet at INPUT; what it meets afterwards is the IPVS view's.
        var split = result.Ipvs?.TraceEntriesBefore ?? result.Trace.Count;
        var ipvs = result.Ipvs is { } step
            ? new IpvsView(step.Service, step.Scheduler, step.Connection, step.Forward, result.Trace[split..])
            : null;
        return new PacketTraceResult(
            split == result.Trace.Count ? result.Trace : result.Trace[..split],
            result.RulesEvaluated,
            new ConntrackView(CtStateName(result.CtState), result.TcpState?.Name()),
            HeadersView.Of(result.HeadersAfter),
            new OutcomeView(result.Outcome.ToString().ToLowerInvariant(), result.Outcome == OutcomeKind.Delivered ? result.To : null, result.Reason),
            result.SeenByNode,
            ipvs,
            result.Events);
    }

    private static string CtStateName(CtState state) => state switch
    {
        CtState.New => "NEW",
        CtState.Established => "ESTABLISHED",
        CtState.Related => "RELATED",
        CtState.Invalid => "INVALID",
        _ => "UNTRACKED",
    };

    private static void CheckForcedEndpoints(Ruleset ruleset, IReadOnlyList<TracePacket> packets, List<TraceProblem> problems)
    {
        if (!packets.Any(p => p.ForceEndpoint is not null))
        {
            return;
        }
        // Every endpoint a KUBE-SEP chain DNATs to, gathered once rather than rescanned for each packet.
        var endpoints = (ruleset.Find("nat")?.Chains ?? [])
            .SelectMany(c => c.Rules)
            .Select(r => r.Target)
            .OfType<NatTarget>()
            .Where(t => t.IsDestination && t.Port is not null)
            .Select(t => (t.Address, Port: t.Port!.Value))
            .ToHashSet();
        for (var i = 0; i < packets.Count; i++)
        {
            if (packets[i].ForceEndpoint is { } force && !endpoints.Contains((force.Address, force.Port)))
            {
                problems.Add(new ForcedEndpointUnknown(i, force));
            }
        }
    }
}
