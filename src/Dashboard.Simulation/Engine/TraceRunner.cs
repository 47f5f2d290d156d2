using System.Globalization;
using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>Runs a trace request: builds the node from the objects, then walks each packet through it in order.</summary>
public static class TraceRunner
{
    /// <summary>Documented limit: packets in one trace request.</summary>
    public const int MaxPackets = 10_000;

    /// <summary>Documented limit: kube-proxy syncs (updates) in one trace request.</summary>
    public const int MaxUpdates = 100;

    private static readonly string[] Modes = ["iptables", "ipvs"];

    /// <summary>
    /// Throws <see cref="InputException"/> naming every problem (with JSON pointers) when the request is unusable. The
    /// objects and every update's objects share one <paramref name="budget"/>, whose cancellation stops the walk.
    /// </summary>
    public static TraceResult Run(TraceRequest request, InputBudget? budget = null) => Prepare(request, budget).Run();

    /// <summary>
    /// Reads and checks the request, objects and updates included, without walking a packet: what the walk will cost
    /// (<see cref="PreparedTrace.Work"/>) is known before it starts. Throws <see cref="InputException"/> like Run.
    /// </summary>
    public static PreparedTrace Prepare(TraceRequest request, InputBudget? budget = null)
    {
        budget ??= new InputBudget();
        var problems = new List<InputProblem>();
        if (request.Mode is null)
        {
            problems.Add(Semantic("/mode", "mode is required: one of " + string.Join(", ", Modes)));
        }
        else if (!Modes.Contains(request.Mode))
        {
            problems.Add(Semantic("/mode", $"mode \"{request.Mode}\" is not supported: one of {string.Join(", ", Modes)}"));
        }
        var node = ReadNode(request.Node, problems);
        var packets = ReadPackets(request.Packets, node ?? NodeSettings.Default, problems);
        var objects = ReadObjects(request.Objects, "/objects", "objects", budget, problems);
        var updates = ReadUpdates(request.Updates, budget, problems);
        var ipvs = ReadIpvs(request, node ?? NodeSettings.Default, problems);
        if (problems.Count > 0)
        {
            throw new InputException(problems);
        }
        return new PreparedTrace(request, node!, packets, objects!, updates, ipvs, budget);
    }

    /// <summary>A trace request read and checked: <see cref="Run"/> builds the node and walks the packets.</summary>
    public sealed class PreparedTrace
    {
        private readonly TraceRequest _request;
        private readonly NodeSettings _node;
        private readonly List<PacketSpec> _packets;
        private readonly ClusterObjects _objects;
        private readonly List<Update> _updates;
        private readonly IpvsOptions? _ipvs;
        private readonly InputBudget _budget;

        internal PreparedTrace(TraceRequest request, NodeSettings node, List<PacketSpec> packets, ClusterObjects objects,
            List<Update> updates, IpvsOptions? ipvs, InputBudget budget)
        {
            (_request, _node, _packets, _objects, _updates, _ipvs, _budget) = (request, node, packets, objects, updates, ipvs, budget);
        }

        /// <summary>What the walk costs: the rules each sync builds (services and endpoint ports) and the packets.</summary>
        public long Work => _objects.Work + _updates.Sum(u => u.Objects.Work) + _packets.Count;

        public TraceResult Run() => Walk(_request, _node, _packets, _objects, _updates, _ipvs, _budget);
    }

    private static TraceResult Walk(TraceRequest request, NodeSettings? node, List<PacketSpec> packets, ClusterObjects? objects,
        List<Update> updates, IpvsOptions? ipvs, InputBudget budget)
    {
        var problems = new List<InputProblem>();
        budget.CancellationToken.ThrowIfCancellationRequested();
        var ipvsNode = ipvs is null ? null : NodeIpvs.Build(objects!, node!, ipvs.Scheduler, ipvs.Method);
        var dataplane = ipvsNode is null
            ? NodeDataplane.ForIptablesNode(objects!, node!, request.Seed)
            : NodeDataplane.ForIpvsNode(ipvsNode, node!, request.Seed, ipvs!.ConnTabBits);
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
            throw new InputException(problems);
        }
        var results = new List<PacketTraceResult>(packets.Count);
        var updateResults = new List<UpdateResult>(updates.Count);
        var nextUpdate = 0;
        foreach (var spec in packets)
        {
            budget.CancellationToken.ThrowIfCancellationRequested();
            while (nextUpdate < updates.Count && updates[nextUpdate].At <= spec.At)
            {
                budget.CancellationToken.ThrowIfCancellationRequested();
                updateResults.Add(Apply(dataplane, updates[nextUpdate++], node!, ipvs));
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
            var statistic = spec.Force is { } force ? new ForcedEndpointStatistic(force.Address, force.Port) : null;
            var result = dataplane.Process(packet, spec.Origin, spec.At, statistic);
            results.Add(ToView(result));
        }
        while (nextUpdate < updates.Count)
        {
            updateResults.Add(Apply(dataplane, updates[nextUpdate++], node!, ipvs));
        }
        var last = TimeSpan.FromSeconds(Math.Max(packets[^1].At.TotalSeconds, updates.Count > 0 ? updates[^1].At.TotalSeconds : 0));
        var views = request.Views ? Views(dataplane, last) : null;
        return new TraceResult(objects!.Warnings, results, updateResults, views);
    }

    internal sealed record IpvsOptions(string Scheduler, ForwardingMethod Method, Ipv4Prefix L2Subnet, int ConnTabBits);

    internal sealed record Update(TimeSpan At, ClusterObjects Objects);

    /// <summary>A kube-proxy sync with the update's objects: new rules (and ipsets, virtual servers), stale UDP flows cleared.</summary>
    private static UpdateResult Apply(NodeDataplane dataplane, Update update, NodeSettings node, IpvsOptions? ipvs)
    {
        IReadOnlyList<string> changes;
        if (ipvs is null)
        {
            var ruleset = NodeIptables.Build(update.Objects, node);
            dataplane.Resync(ruleset);
            changes = ["iptables-restore: the rules were rewritten for the new endpoints; existing conntrack entries keep their DNAT target"];
        }
        else
        {
            var desired = NodeIpvs.Build(update.Objects, node, ipvs.Scheduler, ipvs.Method);
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

    /// <summary>The objects text (YAML or JSON) of the request or of an update; problems point at its field.</summary>
    private static ClusterObjects? ReadObjects(string? text, string pointer, string name, InputBudget budget, List<InputProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            problems.Add(Semantic(pointer, $"{name} is required: the text of `kubectl get svc,endpointslices -A -o yaml` (or -o json)"));
            return null;
        }
        try
        {
            return ClusterObjectsReader.Read(text, text.TrimStart().StartsWith('{') ? InputFormat.Json : InputFormat.Yaml, budget);
        }
        catch (InputException e)
        {
            // The objects are a string inside the JSON body: say where inside that string, and point at it.
            // Messages that already begin with their line ("line 1: expected a Kubernetes object") keep it once.
            problems.AddRange(e.Problems.Select(p => p with
            {
                Message = $"{name}{(p.Line is { } line && !p.Message.StartsWith($"line {line}:", StringComparison.Ordinal) ? $" line {line}" : string.Empty)}{(p.Pointer is { Length: > 0 } ptr ? $" at {ptr}" : string.Empty)}: {p.Message}",
                Pointer = pointer,
            }));
            return null;
        }
    }

    private static List<Update> ReadUpdates(IReadOnlyList<TraceUpdate>? updates, InputBudget budget, List<InputProblem> problems)
    {
        var result = new List<Update>();
        if (updates is null)
        {
            return result;
        }
        if (updates.Count > MaxUpdates)
        {
            problems.Add(new InputProblem(ProblemKind.TooLarge, $"{updates.Count} updates: the limit is {MaxUpdates} per request", Pointer: "/updates"));
            return result;
        }
        var previous = TimeSpan.Zero;
        for (var i = 0; i < updates.Count; i++)
        {
            var at = $"/updates/{i}";
            if (updates[i] is not { } update)
            {
                problems.Add(Semantic(at, $"updates[{i}] is null"));
                continue;
            }
            if (update.At is not { } seconds || double.IsNaN(seconds) || seconds < 0 || seconds > 1e9)
            {
                problems.Add(Semantic(at + "/at", $"updates[{i}].at is required: the virtual time in seconds (0 to 1e9) of kube-proxy's sync"));
                continue;
            }
            if (TimeSpan.FromSeconds(seconds) < previous)
            {
                problems.Add(Semantic(at + "/at", $"updates[{i}].at {seconds} is earlier than the update before it"));
                continue;
            }
            previous = TimeSpan.FromSeconds(seconds);
            if (ReadObjects(update.Objects, at + "/objects", $"updates[{i}].objects", budget, problems) is { } objects)
            {
                result.Add(new Update(previous, objects));
            }
        }
        return result;
    }

    private static IpvsOptions? ReadIpvs(TraceRequest request, NodeSettings node, List<InputProblem> problems)
    {
        var options = request.Ipvs;
        if (request.Mode != "ipvs")
        {
            if (options is not null)
            {
                problems.Add(Semantic("/ipvs", "ipvs options apply only to \"mode\": \"ipvs\""));
            }
            return null;
        }
        var scheduler = options?.Scheduler ?? "rr";
        if (!SchedulerCatalog.KnownNames.Contains(scheduler))
        {
            problems.Add(Semantic("/ipvs/scheduler", $"ipvs.scheduler \"{scheduler}\" is not one of {string.Join(", ", SchedulerCatalog.KnownNames)}"));
        }
        if (!IpvsDirector.TryParseMethod(options?.Forwarding ?? "nat", out var method))
        {
            problems.Add(Semantic("/ipvs/forwarding", $"ipvs.forwarding \"{options!.Forwarding}\" is not one of {string.Join(", ", IpvsDirector.MethodNames)} (kube-proxy itself uses nat only)"));
        }
        var l2Subnet = node.PodCidr;
        if (options?.L2Subnet is { } subnet && !Ipv4Prefix.TryParse(subnet, out l2Subnet))
        {
            problems.Add(Semantic("/ipvs/l2Subnet", $"ipvs.l2Subnet \"{subnet}\" is not an IPv4 CIDR"));
        }
        var bits = options?.ConnTabBits ?? ConnectionTable.DefaultTableBits;
        if (bits is < ConnectionTable.MinTableBits or > ConnectionTable.MaxTableBits)
        {
            problems.Add(Semantic("/ipvs/connTabBits", $"ipvs.connTabBits {bits} is outside the kernel's range {ConnectionTable.MinTableBits}-{ConnectionTable.MaxTableBits} (IP_VS_TAB_BITS)"));
        }
        return new IpvsOptions(scheduler, method, l2Subnet, bits);
    }

    /// <summary>
    /// DR and TUN leave the packet's IP header (DR) or the inner packet (TUN) as the client sent it, so a real server
    /// must accept it at the virtual port: no port mapping. DR also needs every real server on the director's L2
    /// segment, since only the MAC changes. Checked for the virtual services the request's packets address.
    /// </summary>
    private static void CheckIpvsTopology(ServiceTable services, List<PacketSpec> packets, IpvsOptions ipvs, List<InputProblem> problems)
    {
        var reported = new HashSet<RealServer>(ReferenceEqualityComparer.Instance);
        foreach (var packet in packets)
        {
            if (packet.Force is not null)
            {
                problems.Add(Semantic($"/packets/{packet.Index}/forceEndpoint",
                    $"packets[{packet.Index}].forceEndpoint replays iptables mode's random draw; in IPVS mode the scheduler decides (choose it with ipvs.scheduler)"));
            }
            if (ipvs.Method == ForwardingMethod.Masquerade ||
                services.Lookup(packet.Protocol, packet.Destination, packet.DestinationPort).Service is not { } service)
            {
                continue;
            }
            var method = IpvsDirector.MethodName(ipvs.Method);
            foreach (var problem in IpvsTopology.Problems(service, ipvs.Method, ipvs.L2Subnet).Where(p => !reported.Contains(p.Server)).ToList())
            {
                problems.Add(Semantic("/ipvs/" + problem.Setting, $"ipvs.forwarding {method}: {problem.Message} (ipvs.{problem.Setting})"));
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

    internal sealed record PacketSpec(IpProtocol Protocol, Ipv4Address Source, ushort SourcePort, Ipv4Address Destination, ushort DestinationPort,
        TcpFlags Flags, TimeSpan At, PacketOrigin Origin, (Ipv4Address Address, ushort Port)? Force, int Index);

    private static NodeSettings? ReadNode(TraceNode? node, List<InputProblem> problems)
    {
        var defaults = NodeSettings.Default;
        if (node is null)
        {
            return defaults;
        }
        var ip = defaults.Ip;
        var podCidr = defaults.PodCidr;
        var clusterCidr = defaults.ClusterCidr;
        if (node.Ip is not null && !Ipv4Address.TryParse(node.Ip, out ip))
        {
            problems.Add(Semantic("/node/ip", $"node.ip \"{node.Ip}\" is not an IPv4 address"));
        }
        if (node.PodCIDR is not null && !Ipv4Prefix.TryParse(node.PodCIDR, out podCidr))
        {
            problems.Add(Semantic("/node/podCIDR", $"node.podCIDR \"{node.PodCIDR}\" is not an IPv4 CIDR"));
        }
        if (node.ClusterCIDR is not null && !Ipv4Prefix.TryParse(node.ClusterCIDR, out clusterCidr))
        {
            problems.Add(Semantic("/node/clusterCIDR", $"node.clusterCIDR \"{node.ClusterCIDR}\" is not an IPv4 CIDR"));
        }
        if (node.Name is { Length: 0 })
        {
            problems.Add(Semantic("/node/name", "node.name must not be empty"));
        }
        return new NodeSettings(node.Name ?? defaults.Name, ip, podCidr, clusterCidr);
    }

    private static List<PacketSpec> ReadPackets(IReadOnlyList<TracePacketRequest>? packets, NodeSettings node, List<InputProblem> problems)
    {
        var specs = new List<PacketSpec>();
        if (packets is null || packets.Count == 0)
        {
            problems.Add(Semantic("/packets", "packets is required: at least one packet to trace"));
            return specs;
        }
        if (packets.Count > MaxPackets)
        {
            problems.Add(new InputProblem(ProblemKind.TooLarge,
                $"{packets.Count.ToString("N0", CultureInfo.InvariantCulture)} packets: the limit is {MaxPackets.ToString("N0", CultureInfo.InvariantCulture)} per request", Pointer: "/packets"));
            return specs;
        }
        var previous = TimeSpan.Zero;
        for (var i = 0; i < packets.Count; i++)
        {
            var p = packets[i];
            var at = $"/packets/{i}";
            var count = problems.Count;
            if (p is null)
            {
                problems.Add(Semantic(at, $"packets[{i}] is null"));
                continue;
            }
            if (!Ipv4Address.TryParse(p.Src, out var source))
            {
                problems.Add(Semantic(at + "/src", $"packets[{i}].src \"{p.Src}\" is not an IPv4 address"));
            }
            if (!Ipv4Address.TryParse(p.Dst, out var destination))
            {
                problems.Add(Semantic(at + "/dst", $"packets[{i}].dst \"{p.Dst}\" is not an IPv4 address"));
            }
            var protocolName = p.Proto ?? "tcp";
            if (protocolName is not ("tcp" or "udp") || !IpProtocolNames.TryParse(protocolName, out var protocol))
            {
                problems.Add(Semantic(at + "/proto", $"packets[{i}].proto \"{p.Proto}\" is not tcp or udp"));
                protocol = IpProtocol.Tcp;
            }
            var sourcePort = Port(p.Sport, at + "/sport", $"packets[{i}].sport", problems);
            var destinationPort = Port(p.Dport, at + "/dport", $"packets[{i}].dport", problems);
            var flags = TcpFlags.None;
            if (protocol == IpProtocol.Tcp && !TcpFlagNames.TryParse(p.Flags ?? "S", out flags))
            {
                problems.Add(Semantic(at + "/flags", $"packets[{i}].flags \"{p.Flags}\" is not a TCP flag set such as S, SA, A, FA, R"));
            }
            else if (protocol == IpProtocol.Udp && p.Flags is not null)
            {
                problems.Add(Semantic(at + "/flags", $"packets[{i}].flags: UDP has no flags"));
            }
            var time = previous;
            if (p.At is { } seconds)
            {
                if (double.IsNaN(seconds) || seconds < 0 || seconds > 1e9)
                {
                    problems.Add(Semantic(at + "/at", $"packets[{i}].at {seconds} is not a time in seconds (0 to 1e9)"));
                }
                else if (TimeSpan.FromSeconds(seconds) < previous)
                {
                    problems.Add(Semantic(at + "/at", $"packets[{i}].at {seconds} is earlier than the packet before it: packets share state in time order"));
                }
                else
                {
                    time = TimeSpan.FromSeconds(seconds);
                }
            }
            PacketOrigin origin;
            switch (p.From)
            {
                case "pod":
                    origin = PacketOrigin.Pod;
                    break;
                case "remote-node":
                    origin = PacketOrigin.RemoteNode;
                    break;
                case "external":
                    origin = PacketOrigin.External;
                    break;
                case null:
                    // Where a packet with this source would come from: this node's pods, other nodes' pods, or outside.
                    origin = node.PodCidr.Contains(source) ? PacketOrigin.Pod
                        : node.ClusterCidr.Contains(source) ? PacketOrigin.RemoteNode : PacketOrigin.External;
                    break;
                default:
                    problems.Add(Semantic(at + "/from", $"packets[{i}].from \"{p.From}\" is not pod, remote-node or external"));
                    origin = PacketOrigin.External;
                    break;
            }
            (Ipv4Address, ushort)? force = null;
            if (p.ForceEndpoint is { } forced)
            {
                var colon = forced.LastIndexOf(':');
                if (colon < 0 || !Ipv4Address.TryParse(forced[..colon], out var forcedAddress) ||
                    !ushort.TryParse(forced[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var forcedPort) || forcedPort == 0)
                {
                    problems.Add(Semantic(at + "/forceEndpoint", $"packets[{i}].forceEndpoint \"{forced}\" is not ip:port"));
                }
                else
                {
                    force = (forcedAddress, forcedPort);
                }
            }
            if (problems.Count == count)
            {
                specs.Add(new PacketSpec(protocol, source, sourcePort, destination, destinationPort, flags, time, origin, force, i));
                previous = time;
            }
        }
        return specs;
    }

    private static void CheckForcedEndpoints(Ruleset ruleset, List<PacketSpec> packets, List<InputProblem> problems)
    {
        if (!packets.Any(p => p.Force is not null))
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
        foreach (var packet in packets)
        {
            if (packet.Force is { } force && !endpoints.Contains((force.Address, force.Port)))
            {
                problems.Add(Semantic($"/packets/{packet.Index}/forceEndpoint",
                    $"packets[{packet.Index}].forceEndpoint {force.Address}:{force.Port} is not an endpoint of any service in the objects"));
            }
        }
    }

    private static ushort Port(int? value, string pointer, string name, List<InputProblem> problems)
    {
        if (value is null)
        {
            problems.Add(Semantic(pointer, $"{name} is required"));
            return 0;
        }
        if (value is < 1 or > 65535)
        {
            problems.Add(Semantic(pointer, $"{name} {value} is not a port (1-65535)"));
            return 0;
        }
        return (ushort)value.Value;
    }

    private static InputProblem Semantic(string pointer, string message) => new(ProblemKind.Semantic, message, Pointer: pointer);
}
