using System.Text.RegularExpressions;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;

namespace Dashboard.Web.Model;

/// <summary>
/// The node's four settings as a user types them, in the rules API's query, the trace API's body and the compare page
/// (its settings and its URL): one set of checks and defaults (<see cref="NodeSettings.Default"/>), so the same text is
/// taken or refused everywhere. Each problem is the rest of a sentence that the caller starts with its own name for
/// the field and the text it was given.
/// </summary>
public static partial class NodeFields
{
    public const string NameProblem = "is not a valid node name (lowercase letters, digits, '-' and '.', at most 253 characters)";
    public const string IpProblem = "is not an IPv4 address (e.g. 192.168.1.10)";
    public const string PodCidrProblem = "is not an IPv4 CIDR (e.g. 10.244.0.0/24)";
    public const string ClusterCidrProblem = "is not an IPv4 CIDR (e.g. 10.244.0.0/16)";

    /// <summary>A Node's metadata.name: a DNS subdomain, as the API server requires.</summary>
    public static bool IsName(string text) => text.Length <= 253 && NodeNamePattern().IsMatch(text);

    public static bool TryParseIp(string text, out Ipv4Address ip) => Ipv4Address.TryParse(text, out ip);

    public static bool TryParseCidr(string text, out Ipv4Prefix prefix)
    {
        // A bare address would silently become a /32 here, which is never what a pod or cluster CIDR means.
        if (!text.Contains('/', StringComparison.Ordinal))
        {
            prefix = default;
            return false;
        }
        return Ipv4Prefix.TryParse(text, out prefix);
    }

    /// <summary>The node from the four texts (null or empty: the default's value), or the problems, each starting with the field's key.</summary>
    public static NodeSettings? Read(string? name, string? ip, string? podCidr, string? clusterCidr, List<string> problems)
    {
        var defaults = NodeSettings.Default;
        var count = problems.Count;
        var nodeName = string.IsNullOrEmpty(name) ? defaults.Name : name;
        if (!IsName(nodeName))
        {
            problems.Add($"nodeName \"{nodeName}\" {NameProblem}");
        }
        var nodeIp = defaults.Ip;
        if (!string.IsNullOrEmpty(ip) && !TryParseIp(ip, out nodeIp))
        {
            problems.Add($"nodeIP \"{ip}\" {IpProblem}");
        }
        var pods = defaults.PodCidr;
        if (!string.IsNullOrEmpty(podCidr) && !TryParseCidr(podCidr, out pods))
        {
            problems.Add($"podCIDR \"{podCidr}\" {PodCidrProblem}");
        }
        var cluster = defaults.ClusterCidr;
        if (!string.IsNullOrEmpty(clusterCidr) && !TryParseCidr(clusterCidr, out cluster))
        {
            problems.Add($"clusterCIDR \"{clusterCidr}\" {ClusterCidrProblem}");
        }
        return problems.Count > count ? null : new NodeSettings(nodeName, nodeIp, pods, cluster);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex NodeNamePattern();
}
