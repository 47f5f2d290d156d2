using Dashboard.Simulation.Listings;

namespace Dashboard.Web.Model;

/// <summary>
/// A place in a lane's tool output that the rules view should scroll to and light: what the tool shows there (an
/// iptables rule, an ipvsadm virtual service or real server, an ipset member), found by the writer's anchors.
/// </summary>
public sealed record RuleTarget(int Lane, string Tool, ListingAnchor Anchor)
{
    public const string IptablesSave = "iptables-save";
    public const string IpvsadmList = "ipvsadm -Ln";
    public const string IpsetList = "ipset list";
}
