using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>How a packet's walk through the node ended.</summary>
public enum OutcomeKind
{
    Delivered,
    Dropped,
    Rejected,
}

/// <summary>Everything the engine learned about one packet: its events, TRACE, the rules it cost, and where it went.</summary>
public sealed class PacketResult
{
    public List<TraversalEvent> Events { get; } = [];
    public List<KernelTraceEntry> Trace { get; } = [];

    /// <summary>
    /// The rules behind the <see cref="RuleMatched"/> events, in the same order: a view asks a rule for its target
    /// instead of reading it back out of the event's text.
    /// </summary>
    public List<Rule> MatchedRules { get; } = [];
    public int RulesEvaluated { get; set; }
    public CtState CtState { get; set; }
    public TcpConntrackState? TcpState { get; set; }
    public ConntrackEntry? Connection { get; set; }
    public required PacketHeaders HeadersBefore { get; init; }
    public PacketHeaders HeadersAfter { get; set; }
    public OutcomeKind Outcome { get; set; }
    public string? To { get; set; }
    public Explanation? Reason { get; set; }
    public double CostNs => Events.Sum(e => e.CostNs);

    /// <summary>The KUBE-SEP endpoint chosen by DNAT, if any.</summary>
    public string? DnatTo { get; set; }

    /// <summary>False for a DR or TUN reply, which goes from the real server straight to the client.</summary>
    public bool SeenByNode { get; set; } = true;

    /// <summary>IPVS mode: what IPVS did; null in iptables mode.</summary>
    public IpvsStep? Ipvs { get; set; }
}

/// <summary>What IPVS did with one packet, filled in as it happens.</summary>
public sealed class IpvsStep
{
    public IpvsServiceView? Service { get; set; }
    public IpvsSchedulerView? Scheduler { get; set; }
    public IpvsConnectionView? Connection { get; set; }
    public IpvsForwardView? Forward { get; set; }

    /// <summary>How many TRACE entries came before IPVS took the packet at LOCAL_IN (the rest are OUTPUT and POSTROUTING).</summary>
    public int? TraceEntriesBefore { get; set; }
}
