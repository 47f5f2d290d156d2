using System.Globalization;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;
using Dashboard.Web.Model;

namespace Dashboard.Web.Api.Trace;

/// <summary>
/// Reads a <see cref="TraceRequest"/> into the engine's <see cref="TraceInput"/>: every field checked, every problem
/// named with its JSON pointer (`/packets/2/dport`) and worded with the field's path (`packets[2].dport`), and what the
/// engine finds once the node is built (<see cref="TraceProblem"/>) worded the same way.
/// </summary>
public static class TraceRequestReader
{
    /// <summary>Documented limit: packets in one trace request.</summary>
    public const int MaxPackets = 10_000;

    /// <summary>Documented limit: kube-proxy syncs (updates) in one trace request.</summary>
    public const int MaxUpdates = 100;

    private static readonly string[] Modes = ["iptables", "ipvs"];

    /// <summary>
    /// Throws <see cref="InputException"/> naming every problem when the request is unusable. The objects and every
    /// update's objects are read within one <paramref name="budget"/>.
    /// </summary>
    public static TraceInput Read(TraceRequest request, InputBudget budget)
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
        var packets = ReadPackets(request.Packets, node, problems);
        var objects = ReadObjects(request.Objects, "/objects", "objects", budget, problems);
        var updates = ReadUpdates(request.Updates, budget, problems);
        var ipvs = ReadIpvs(request, node, problems);
        if (problems.Count > 0)
        {
            throw new InputException(problems);
        }
        return new TraceInput(objects!, packets) { Node = node, Seed = request.Seed, Ipvs = ipvs, Updates = updates, Views = request.Views };
    }

    /// <summary>What the engine found once it built the node, as problems of the request's fields.</summary>
    public static InputException Describe(TraceInputException exception) =>
        new([.. exception.Problems.Select(problem => problem switch
        {
            ForcedEndpointUnknown p => Semantic($"/packets/{p.Packet}/forceEndpoint",
                $"packets[{p.Packet}].forceEndpoint {p.Endpoint} is not an endpoint of any service in the objects"),
            ForcedEndpointInIpvsMode p => Semantic($"/packets/{p.Packet}/forceEndpoint",
                $"packets[{p.Packet}].forceEndpoint replays iptables mode's random draw; in IPVS mode the scheduler decides (choose it with ipvs.scheduler)"),
            RealServerUnreachable p => Semantic("/ipvs/" + SettingOf(p.Problem.Issue),
                $"ipvs.forwarding {IpvsDirector.MethodName(p.Forwarding)}: {p.Problem.Message} (ipvs.{SettingOf(p.Problem.Issue)})"),
            _ => throw new ArgumentOutOfRangeException(nameof(exception), problem.GetType().Name, "a trace problem the API does not word"),
        })]);

    /// <summary>The request field a user changes to fix the issue.</summary>
    private static string SettingOf(TopologyIssue issue) => issue == TopologyIssue.NotOnL2Segment ? "l2Subnet" : "forwarding";

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
            return ClusterObjectsReader.Read(text, ClusterObjectsReader.FormatOf(text), budget);
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

    private static List<ClusterUpdate> ReadUpdates(IReadOnlyList<TraceUpdate>? updates, InputBudget budget, List<InputProblem> problems)
    {
        var result = new List<ClusterUpdate>();
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
                result.Add(new ClusterUpdate(previous, objects));
            }
        }
        return result;
    }

    private static IpvsTraceOptions? ReadIpvs(TraceRequest request, NodeSettings node, List<InputProblem> problems)
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
        var scheduler = options?.Scheduler ?? SchedulerCatalog.KubeProxyDefault;
        if (!SchedulerCatalog.KnownNames.Contains(scheduler))
        {
            problems.Add(Semantic("/ipvs/scheduler", $"ipvs.scheduler \"{scheduler}\" is not one of {string.Join(", ", SchedulerCatalog.KnownNames)}"));
        }
        var method = IpvsDirector.KubeProxyMethod;
        if (options?.Forwarding is { } forwarding && !IpvsDirector.TryParseMethod(forwarding, out method))
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
        if (options?.Weights is { } weights && RealServerWeights.Problem(weights) is { } weightsProblem)
        {
            problems.Add(Semantic("/ipvs/weights", $"ipvs.weights: {weightsProblem} (kube-proxy gives every real server weight 1)"));
        }
        return new IpvsTraceOptions(scheduler, method, l2Subnet, bits, options?.Weights);
    }

    private static NodeSettings ReadNode(TraceNode? node, List<InputProblem> problems)
    {
        var defaults = NodeSettings.Default;
        if (node is null)
        {
            return defaults;
        }
        var ip = defaults.Ip;
        var podCidr = defaults.PodCidr;
        var clusterCidr = defaults.ClusterCidr;
        // The rules API's and the compare page's checks (NodeFields), worded with this body's field names.
        if (node.Ip is not null && !NodeFields.TryParseIp(node.Ip, out ip))
        {
            problems.Add(Semantic("/node/ip", $"node.ip \"{node.Ip}\" {NodeFields.IpProblem}"));
        }
        if (node.PodCIDR is not null && !NodeFields.TryParseCidr(node.PodCIDR, out podCidr))
        {
            problems.Add(Semantic("/node/podCIDR", $"node.podCIDR \"{node.PodCIDR}\" {NodeFields.PodCidrProblem}"));
        }
        if (node.ClusterCIDR is not null && !NodeFields.TryParseCidr(node.ClusterCIDR, out clusterCidr))
        {
            problems.Add(Semantic("/node/clusterCIDR", $"node.clusterCIDR \"{node.ClusterCIDR}\" {NodeFields.ClusterCidrProblem}"));
        }
        if (node.Name is not null && !NodeFields.IsName(node.Name))
        {
            problems.Add(Semantic("/node/name", $"node.name \"{node.Name}\" {NodeFields.NameProblem}"));
        }
        return new NodeSettings(node.Name ?? defaults.Name, ip, podCidr, clusterCidr);
    }

    private static List<TracePacket> ReadPackets(IReadOnlyList<TracePacketRequest>? packets, NodeSettings node, List<InputProblem> problems)
    {
        var specs = new List<TracePacket>();
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
                    origin = TracePacket.OriginOf(source, node);
                    break;
                default:
                    problems.Add(Semantic(at + "/from", $"packets[{i}].from \"{p.From}\" is not pod, remote-node or external"));
                    origin = PacketOrigin.External;
                    break;
            }
            TraceEndpoint? force = null;
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
                    force = new TraceEndpoint(forcedAddress, forcedPort);
                }
            }
            if (problems.Count == count)
            {
                specs.Add(new TracePacket(protocol, source, sourcePort, destination, destinationPort, flags, time, origin, force));
                previous = time;
            }
        }
        return specs;
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
