using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>
/// A trace to walk, already read: the node, the objects kube-proxy syncs from, the packets in time order, and later
/// syncs. <see cref="TraceRunner"/> walks it; the HTTP API reads its request into one (Dashboard.Web's Api/Trace).
/// </summary>
public sealed record TraceInput(ClusterObjects Objects, IReadOnlyList<TracePacket> Packets)
{
    public NodeSettings Node { get; init; } = NodeSettings.Default;

    /// <summary>Decides iptables mode's random endpoint draws (`-m statistic --mode random`).</summary>
    public long Seed { get; init; } = 1;

    /// <summary>IPVS mode and its options; null for iptables mode.</summary>
    public IpvsTraceOptions? Ipvs { get; init; }

    /// <summary>Later kube-proxy syncs, in time order: at a virtual time, the objects change.</summary>
    public IReadOnlyList<ClusterUpdate> Updates { get; init; } = [];

    /// <summary>Add the text the node's tools would print after the last packet: conntrack -L, and in IPVS mode ipvsadm and ipset.</summary>
    public bool Views { get; init; }

    /// <summary>What the walk costs: the rules each sync builds (services and endpoint ports) and the packets.</summary>
    public long Work => Objects.Work + Updates.Sum(u => u.Objects.Work) + Packets.Count;
}

/// <summary>
/// One packet to send: its tuple and TCP flags, when (virtual time, not before the packet before it), where it comes
/// from, and optionally the endpoint iptables mode's random draw must pick (a replay of a draw seen elsewhere).
/// </summary>
public sealed record TracePacket(
    IpProtocol Protocol,
    Ipv4Address Source,
    ushort SourcePort,
    Ipv4Address Destination,
    ushort DestinationPort,
    TcpFlags Flags,
    TimeSpan At,
    PacketOrigin Origin,
    TraceEndpoint? ForceEndpoint = null)
{
    /// <summary>Where a packet with this source would come from: this node's pods, other nodes' pods, or outside.</summary>
    public static PacketOrigin OriginOf(Ipv4Address source, NodeSettings node) =>
        node.PodCidr.Contains(source) ? PacketOrigin.Pod
        : node.ClusterCidr.Contains(source) ? PacketOrigin.RemoteNode : PacketOrigin.External;
}

/// <summary>An endpoint as a KUBE-SEP chain's DNAT names it.</summary>
public readonly record struct TraceEndpoint(Ipv4Address Address, ushort Port)
{
    public override string ToString() => $"{Address}:{Port}";
}

/// <summary>IPVS mode's settings: the scheduler (ipvsadm -s), the forwarding method, the director's L2 segment, and the connection table's size (2^ConnTabBits buckets).</summary>
public sealed record IpvsTraceOptions(string Scheduler, ForwardingMethod Forwarding, Ipv4Prefix L2Subnet, int ConnTabBits = ConnectionTable.DefaultTableBits,
    IReadOnlyList<int>? Weights = null);

/// <summary>A kube-proxy sync at a virtual time with the objects as they are then.</summary>
public sealed record ClusterUpdate(TimeSpan At, ClusterObjects Objects);

/// <summary>What a trace asks that the node it builds cannot do, by packet (index into <see cref="TraceInput.Packets"/>).</summary>
public abstract record TraceProblem(int Packet);

/// <summary>The forced endpoint is not one a KUBE-SEP chain DNATs to.</summary>
public sealed record ForcedEndpointUnknown(int Packet, TraceEndpoint Endpoint) : TraceProblem(Packet);

/// <summary>IPVS mode has no random draw to force: the scheduler decides.</summary>
public sealed record ForcedEndpointInIpvsMode(int Packet) : TraceProblem(Packet);

/// <summary>The virtual service the packet addresses has a real server the forwarding method cannot reach.</summary>
public sealed record RealServerUnreachable(int Packet, ForwardingMethod Forwarding, TopologyProblem Problem) : TraceProblem(Packet);

/// <summary>Thrown by <see cref="TraceRunner.Run"/> with every <see cref="TraceProblem"/> found, before any packet is walked.</summary>
public sealed class TraceInputException(IReadOnlyList<TraceProblem> problems)
    : Exception($"{problems.Count} problems with the trace input: {string.Join(", ", problems.Select(p => p.GetType().Name))}")
{
    public IReadOnlyList<TraceProblem> Problems { get; } = problems;
}
