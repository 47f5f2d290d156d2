using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.IpSets;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>
/// One step of a packet's way through the node, as the engine took it. Every event carries the modelled cost it
/// adds (nanoseconds, from <see cref="CostModel.DataplaneCostModel"/>); the kernel-style trace is derived from them.
/// </summary>
public abstract record TraversalEvent(double CostNs);

/// <summary>The packet reached a netfilter hook.</summary>
public sealed record HookEntered(string Hook, double CostNs) : TraversalEvent(CostNs);

/// <summary>conntrack hashed the packet's tuple and searched that bucket: miss, hit (original direction) or hit (reply).</summary>
public sealed record ConntrackLookup(ConnectionTuple Key, int Bucket, int ChainLength, string Result, double CostNs)
    : TraversalEvent(CostNs)
{
    /// <summary>Formatted only when someone reads it (the API, the inspector), not on the engine's hot path.</summary>
    public string Tuple => $"{Key.Protocol.ToName()} {Key}";
}

/// <summary>A new connection was confirmed into the table with its original and reply tuples.</summary>
public sealed record ConntrackCreated(string Original, string Reply, string? State, int Bucket, double CostNs) : TraversalEvent(CostNs);

/// <summary>A run of rules tested that did not match (counted, not streamed one by one).</summary>
public sealed record RulesScanned(string Table, string Chain, int FirstRule, int LastRule, int Count, double CostNs) : TraversalEvent(CostNs);

/// <summary>A rule matched; Verdict as the kernel's TRACE prints it (JUMP:X, CONTINUE, ACCEPT, DROP, RETURN...).</summary>
public sealed record RuleMatched(string Table, string Chain, int Rule, string Text, string Verdict, double CostNs) : TraversalEvent(CostNs);

/// <summary>
/// A `-m set --match-set NAME flags` match of the rule that follows found the packet in the set: the member, as
/// `ipset list` prints it. Its cost is the rule's (<see cref="RuleMatched"/>); the sets of rules that did not match
/// are part of their <see cref="RulesScanned"/>.
/// </summary>
public sealed record SetLookup(string Set, string Flags, IpSetMatch Found, double CostNs) : TraversalEvent(CostNs)
{
    /// <summary>Formatted only when someone reads it, as <see cref="ConntrackLookup.Tuple"/> is.</summary>
    public string Member => Found.ToString();
}

/// <summary>A built-in chain ended and its policy decided.</summary>
public sealed record ChainPolicy(string Table, string Chain, string Policy, double CostNs) : TraversalEvent(CostNs);

/// <summary>
/// An address rewrite (DNAT, SNAT, MASQUERADE, un-SNAT, un-DNAT), by a rule or by conntrack applying a stored binding.
/// Not called Kind: "kind" names the event type in the trace API's JSON.
/// </summary>
public sealed record NatApplied(
    string Rewrite,
    string By,
    PacketHeaders BeforeHeaders,
    PacketHeaders AfterHeaders,
    double CostNs) : TraversalEvent(CostNs)
{
    public HeadersView Before => HeadersView.Of(BeforeHeaders);
    public HeadersView After => HeadersView.Of(AfterHeaders);
}

/// <summary>The routing decision: delivered locally (INPUT) or forwarded out of an interface.</summary>
public sealed record Routed(string Decision, string OutInterface, double CostNs) : TraversalEvent(CostNs);

/// <summary>The packet left the node towards ip:port, or reached a local socket.</summary>
/// <summary>Route: the interface it left by, or how it got there.</summary>
public sealed record Delivered(string To, Explanation Route, double CostNs) : TraversalEvent(CostNs);

/// <summary>The packet was dropped, and why.</summary>
public sealed record Dropped(Explanation Why, double CostNs) : TraversalEvent(CostNs);

/// <summary>The packet was rejected: dropped, and an ICMP error (or TCP reset) sent back.</summary>
public sealed record Rejected(Explanation Why, double CostNs) : TraversalEvent(CostNs);

/// <summary>IPVS hashed &lt;protocol, address, port&gt; into its 256-bucket service table and searched that bucket.</summary>
public sealed record IpvsServiceLookup(string Service, bool Hit, int Bucket, int ChainLength, double CostNs) : TraversalEvent(CostNs);

/// <summary>
/// IPVS searched its connection table (in: ip_vs_conn_in_get for a client packet; out: ip_vs_conn_out_get for a reply),
/// with what it found, the bucket, its chain length, and the entry's state afterwards.
/// </summary>
public sealed record IpvsConnectionLookup(
    string Direction,
    ConnectionTuple Key,
    Explanation Outcome,
    int Bucket,
    int ChainLength,
    string? State,
    double CostNs) : TraversalEvent(CostNs)
{
    /// <summary>Formatted only when someone reads it, as <see cref="ConntrackLookup.Tuple"/> is.</summary>
    public string Tuple => $"{Key.Protocol.ToName()} {Key}";
}

/// <summary>The scheduler picked a real server for a new connection, and why.</summary>
public sealed record IpvsScheduled(string Scheduler, string RealServer, Explanation Why, double CostNs) : TraversalEvent(CostNs);

/// <summary>IPVS transmitted the packet to the real server by NAT, DR or TUN: the headers before and after.</summary>
public sealed record IpvsForwarded(
    string Method,
    string RealServer,
    PacketHeaders BeforeHeaders,
    PacketHeaders AfterHeaders,
    double CostNs) : TraversalEvent(CostNs)
{
    public HeadersView Before => HeadersView.Of(BeforeHeaders);
    public HeadersView After => HeadersView.Of(AfterHeaders);
}

/// <summary>
/// IPVS (net.ipv4.vs.conntrack=1) rewrote the conntrack entry's reply tuple so replies from the real server match it:
/// IPVS connections are tracked by conntrack too.
/// </summary>
public sealed record ConntrackAltered(string Reply, double CostNs) : TraversalEvent(CostNs);

/// <summary>A DR or TUN real server answered the client directly: the node never saw this packet.</summary>
public sealed record DirectReply(string Method, string RealServer, Explanation Why, double CostNs) : TraversalEvent(CostNs);
