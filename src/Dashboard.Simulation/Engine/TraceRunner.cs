using System.Globalization;
using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>Runs a trace request: builds the node from the objects, then walks each packet through it in order.</summary>
public static class TraceRunner
{
    /// <summary>Documented limit: packets in one trace request.</summary>
    public const int MaxPackets = 10_000;

    private static readonly string[] Modes = ["iptables"];

    /// <summary>Throws <see cref="InputException"/> naming every problem (with JSON pointers) when the request is unusable.</summary>
    public static TraceResult Run(TraceRequest request)
    {
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
        ClusterObjects? objects = null;
        if (string.IsNullOrWhiteSpace(request.Objects))
        {
            problems.Add(Semantic("/objects", "objects is required: the text of `kubectl get svc,endpointslices -A -o yaml` (or -o json)"));
        }
        else
        {
            try
            {
                var text = request.Objects.TrimStart();
                objects = ClusterObjectsReader.Read(request.Objects, text.StartsWith('{') ? InputFormat.Json : InputFormat.Yaml);
            }
            catch (InputException e)
            {
                // The objects are a string inside the JSON body: say where inside that string, and point at it.
                problems.AddRange(e.Problems.Select(p => p with
                {
                    Message = $"objects{(p.Line is { } line ? $" line {line}" : string.Empty)}{(p.Pointer is { Length: > 0 } ptr ? $" at {ptr}" : string.Empty)}: {p.Message}",
                    Pointer = "/objects",
                }));
            }
        }
        if (problems.Count > 0)
        {
            throw new InputException(problems);
        }

        var dataplane = NodeDataplane.ForIptablesNode(objects!, node!, request.Seed);
        CheckForcedEndpoints(dataplane.Ruleset, packets, problems);
        if (problems.Count > 0)
        {
            throw new InputException(problems);
        }
        var results = new List<PacketTraceResult>(packets.Count);
        foreach (var spec in packets)
        {
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
        return new TraceResult(objects!.Warnings, results);
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

    private sealed record PacketSpec(IpProtocol Protocol, Ipv4Address Source, ushort SourcePort, Ipv4Address Destination, ushort DestinationPort,
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
