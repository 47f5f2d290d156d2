using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>
/// What a trace found: one result per packet, in order, plus warnings about the input, what each update's
/// sync changed, and (when asked) the tools' views of the node after the last packet.
/// </summary>
public sealed record TraceResult(
    IReadOnlyList<string> Warnings,
    IReadOnlyList<PacketTraceResult> Packets,
    IReadOnlyList<UpdateResult> Updates,
    NodeViews? Views);

/// <summary>A kube-proxy sync at a virtual time and what it changed: IPVS real servers, deleted conntrack entries.</summary>
public sealed record UpdateResult(double At, IReadOnlyList<Explanation> Changes, IReadOnlyList<string> ConntrackDeleted);

/// <summary>What the real tools print on the node after the packets (null where the mode has no such tool).</summary>
public sealed record NodeViews(
    string ConntrackL,
    string? IpvsadmLn,
    string? IpvsadmLnNosort,
    string? IpvsadmLnc,
    string? IpvsadmLnStats,
    string? IpsetList);

/// <summary>What happened to one packet: the kernel-style TRACE, the rules it cost, conntrack's view, where it went.</summary>
public sealed record PacketTraceResult(
    IReadOnlyList<KernelTraceEntry> Trace,
    int RulesEvaluated,
    ConntrackView Conntrack,
    HeadersView HeadersAfter,
    OutcomeView Outcome,
    bool SeenByNode,
    IpvsView? Ipvs,
    IReadOnlyList<TraversalEvent> Events);

/// <summary>
/// What IPVS did with a packet (IPVS mode only): the service-table lookup (only for a connection's first packet), the
/// scheduler's pick, the connection-table lookup, the forwarding rewrite, and the iptables entries the packet met after
/// IPVS sent it on (OUTPUT and POSTROUTING), which are not part of <see cref="PacketTraceResult.Trace"/>.
/// </summary>
public sealed record IpvsView(
    IpvsServiceView? Service,
    IpvsSchedulerView? Scheduler,
    IpvsConnectionView? Connection,
    IpvsForwardView? Forward,
    IReadOnlyList<KernelTraceEntry> TraceAfter);

/// <summary>ip_vs_service_find: hit or miss, in which of the 256 buckets, and how long that bucket's chain was.</summary>
public sealed record IpvsServiceView(bool Hit, string? Service, int Bucket, int ChainLength);

/// <summary>The scheduler's pick for a new connection and its reason; Persistence says how a persistent service decided.</summary>
public sealed record IpvsSchedulerView(string Name, string RealServer, Explanation Why, string? Persistence);

/// <summary>
/// The connection-table lookup: hit or miss, direction (in: client to virtual service; out: a NAT reply), bucket and
/// chain length, and the entry's state and seconds left after this packet.
/// </summary>
public sealed record IpvsConnectionView(bool Hit, string Direction, int Bucket, int ChainLength, string? State, long? ExpiresS);

/// <summary>The forwarding method (nat, dr or tun) and the headers around it.</summary>
public sealed record IpvsForwardView(string Method, HeadersView Before, HeadersView After, OuterView? Outer);

/// <summary>One line of `xtables-monitor --trace`: a rule that matched (1-based) or a base chain's policy (Rule null).</summary>
public sealed record KernelTraceEntry(string Table, string Chain, int? Rule, string Verdict);

/// <summary>conntrack's state for the packet: ctstate (NEW, ESTABLISHED, ...) and, for TCP, the connection's state.</summary>
public sealed record ConntrackView(string Ctstate, string? TcpState);

/// <summary>
/// A packet's headers as the API and the inspector show them; the mark in hex as iptables prints it. Ethernet is set
/// where the mode changes it (IPVS), Outer for an IPIP-encapsulated packet.
/// </summary>
public sealed record HeadersView(string Proto, string Src, int Sport, string Dst, int Dport, string? Flags, string Mark,
    EthernetView? Ethernet, OuterView? Outer)
{
    public static HeadersView Of(Packets.PacketHeaders headers) => new(
        Packets.IpProtocolNames.ToName(headers.Protocol),
        headers.Source.ToString(),
        headers.SourcePort,
        headers.Destination.ToString(),
        headers.DestinationPort,
        headers.Protocol == Packets.IpProtocol.Tcp ? Packets.TcpFlagNames.ToShortString(headers.TcpFlags) : null,
        "0x" + headers.Mark.ToString("x", System.Globalization.CultureInfo.InvariantCulture),
        headers.Ethernet is { } ethernet ? new EthernetView(ethernet.Source, ethernet.Destination) : null,
        headers.Outer is { } outer ? new OuterView(outer.Protocol.ToName(), outer.Source.ToString(), outer.Destination.ToString()) : null);
}

/// <summary>Source and destination MAC.</summary>
public sealed record EthernetView(string Src, string Dst);

/// <summary>The outer IP header of an encapsulated packet: protocol (ipencap = 4 for IPIP), source and destination.</summary>
public sealed record OuterView(string Proto, string Src, string Dst);

/// <summary>delivered (to ip:port), dropped or rejected (and why).</summary>
public sealed record OutcomeView(string Kind, string? To, Explanation? Why);
