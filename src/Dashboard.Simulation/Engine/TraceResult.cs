namespace Dashboard.Simulation.Engine;

/// <summary>The answer to a trace request: one result per packet, in order, plus warnings about the input.</summary>
public sealed record TraceResult(IReadOnlyList<string> Warnings, IReadOnlyList<PacketTraceResult> Packets);

/// <summary>What happened to one packet: the kernel-style TRACE, the rules it cost, conntrack's view, where it went.</summary>
public sealed record PacketTraceResult(
    IReadOnlyList<KernelTraceEntry> Trace,
    int RulesEvaluated,
    ConntrackView Conntrack,
    HeadersView HeadersAfter,
    OutcomeView Outcome,
    IReadOnlyList<TraversalEvent> Events);

/// <summary>One line of `xtables-monitor --trace`: a rule that matched (1-based) or a base chain's policy (Rule null).</summary>
public sealed record KernelTraceEntry(string Table, string Chain, int? Rule, string Verdict);

/// <summary>conntrack's state for the packet: ctstate (NEW, ESTABLISHED, ...) and, for TCP, the connection's state.</summary>
public sealed record ConntrackView(string Ctstate, string? TcpState);

/// <summary>A packet's headers as the API and the inspector show them; the mark in hex as iptables prints it.</summary>
public sealed record HeadersView(string Proto, string Src, int Sport, string Dst, int Dport, string? Flags, string Mark)
{
    public static HeadersView Of(Packets.PacketHeaders headers) => new(
        Packets.IpProtocolNames.ToName(headers.Protocol),
        headers.Source.ToString(),
        headers.SourcePort,
        headers.Destination.ToString(),
        headers.DestinationPort,
        headers.Protocol == Packets.IpProtocol.Tcp ? Packets.TcpFlagNames.ToShortString(headers.TcpFlags) : null,
        "0x" + headers.Mark.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>delivered (to ip:port), dropped or rejected (with the reason).</summary>
public sealed record OutcomeView(string Kind, string? To, string? Reason);
