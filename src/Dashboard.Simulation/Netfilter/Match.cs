using System.Text;
using Dashboard.Simulation.IpSets;
using Dashboard.Simulation.Netfilter.Matches;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter;

/// <summary>A "-m" match extension (comment, tcp, mark, statistic, ...): a test on the packet or its state.</summary>
public abstract class Match
{
    /// <summary>The module name after -m, e.g. "statistic".</summary>
    public abstract string Module { get; }

    public abstract bool Matches(MatchContext context);

    /// <summary>Writes " -m module --options" exactly as iptables-save (1.8.9, nf_tables) prints it, with a leading space.</summary>
    public abstract void Save(StringBuilder output);
}

/// <summary>Conntrack's view of a packet, as `-m conntrack --ctstate` tests it.</summary>
[Flags]
public enum CtState
{
    None = 0,
    Invalid = 1,
    New = 2,
    Established = 4,
    Related = 8,
    Untracked = 16,
    Snat = 32,
    Dnat = 64,
}

/// <summary>Route types of an address, as `-m addrtype` tests them (the kernel's RTN_* of a route lookup).</summary>
[Flags]
public enum AddressType
{
    None = 0,
    Unspec = 1,
    Unicast = 2,
    Local = 4,
    Broadcast = 8,
    Anycast = 16,
    Multicast = 32,
    Blackhole = 64,
    Unreachable = 128,
    Prohibit = 256,
    Throw = 512,
    Nat = 1024,
    XResolve = 2048,
}

/// <summary>Answers what kind of address an IP is on this node (LOCAL for its own addresses).</summary>
public interface IAddressTypes
{
    AddressType TypeOf(Ipv4Address address);
}

/// <summary>
/// The random draw behind `-m statistic --mode random`. The kernel matches when (prandom &amp; 0x7FFFFFFF) is below
/// the rule's probability scaled to 2^31; a seeded source makes runs reproducible, a forced one replays a kernel's choice.
/// </summary>
public interface IStatisticSource
{
    bool Draw(Rule rule, uint probability31);
}

/// <summary>Looks an element up in a named ipset (`-m set --match-set NAME dir[,dir...]`).</summary>
public interface IIpSetLookup
{
    /// <summary>Null when no set of that name exists.</summary>
    bool? Test(string setName, IReadOnlyList<bool> sourceFlags, Packet packet);

    /// <summary>The member the packet matched; null when it matched none (or no such set).</summary>
    IpSetMatch? MemberMatching(string setName, IReadOnlyList<bool> sourceFlags, Packet packet);
}

/// <summary>Everything a match may look at while a packet walks the rules; reused from packet to packet.</summary>
public sealed class MatchContext
{
    public required Packet Packet { get; set; }
    public CtState CtState { get; set; }
    public required IAddressTypes AddressTypes { get; init; }
    public required IStatisticSource Statistic { get; set; }
    public required RecentTable Recent { get; init; }
    public IIpSetLookup? IpSets { get; set; }

    /// <summary>The virtual service of the IPVS connection the packet belongs to (`-m ipvs`); null when IPVS has not handled it.</summary>
    public IpvsVirtualService? IpvsVirtual { get; set; }

    /// <summary>Virtual time, for `-m recent --seconds`.</summary>
    public TimeSpan Now { get; set; }

    /// <summary>The rule being evaluated, for matches whose outcome depends on the rule (statistic).</summary>
    public Rule CurrentRule { get; set; } = null!;
}
