namespace Dashboard.Web.Model;

/// <summary>
/// A place in a lane's tool output that the rules view should scroll to and light: an iptables rule (table, chain and
/// its 1-based number, as TRACE numbers it), or a line of another tool found by its text (an ipvsadm virtual service, an
/// ipset member under its set's Name: line).
/// </summary>
public sealed record RuleTarget(int Lane, string Tool, string? Table = null, string? Chain = null, int Rule = 0, string? Text = null)
{
    public const string IptablesSave = "iptables-save";
    public const string IpvsadmList = "ipvsadm -Ln";
    public const string IpsetList = "ipset list";
}
