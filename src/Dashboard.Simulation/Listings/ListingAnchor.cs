using Dashboard.Simulation.IpSets;

namespace Dashboard.Simulation.Listings;

/// <summary>
/// Something a tool prints on a line of its own, named as the engine's traversal events name it, so a step of a
/// packet's walk leads to its line.
/// </summary>
public abstract record ListingAnchor;

/// <summary>Rule <paramref name="Rule"/> (1-based, as TRACE numbers it) of a table's chain, in iptables-save.</summary>
public sealed record RuleAnchor(string Table, string Chain, int Rule) : ListingAnchor;

/// <summary>A member of a set, in `ipset list`.</summary>
public sealed record SetMemberAnchor(string Set, IpSetEntry Entry) : ListingAnchor;

/// <summary>A virtual service in `ipvsadm -Ln`, named as <see cref="Ipvs.IpvsadmFormatter.ServiceName(Ipvs.VirtualService)"/> names it.</summary>
public sealed record VirtualServiceAnchor(string Service) : ListingAnchor;

/// <summary>A real server ("10.244.1.2:8080") under its virtual service in `ipvsadm -Ln`: one pod may serve several services.</summary>
public sealed record RealServerAnchor(string Service, string RealServer) : ListingAnchor;
