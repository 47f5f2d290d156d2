using System.Security.Cryptography;
using System.Text;

namespace Dashboard.Simulation.KubeProxy;

/// <summary>
/// kube-proxy's chain names: a prefix plus the first 16 characters of base32(sha256(...)). The hash keeps names
/// under iptables' 28-character limit and stable across syncs, so a chain survives while its service does.
/// </summary>
public static class ChainNames
{
    private const string Base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string ServicePrefix = "KUBE-SVC-", ServiceLocalPrefix = "KUBE-SVL-", ExternalPrefix = "KUBE-EXT-",
        FirewallPrefix = "KUBE-FW-", EndpointPrefix = "KUBE-SEP-";

    /// <summary>KUBE-SVC-: the service port's cluster-wide load-balancing chain.</summary>
    public static string Service(string servicePortName, string protocol) => ServicePrefix + PortProtoHash(servicePortName, protocol);

    /// <summary>KUBE-SVL-: load balancing over this node's endpoints only (traffic policy Local).</summary>
    public static string ServiceLocal(string servicePortName, string protocol) => ServiceLocalPrefix + PortProtoHash(servicePortName, protocol);

    /// <summary>KUBE-EXT-: traffic arriving from outside (NodePort, external and load-balancer IPs).</summary>
    public static string External(string servicePortName, string protocol) => ExternalPrefix + PortProtoHash(servicePortName, protocol);

    /// <summary>KUBE-FW-: the loadBalancerSourceRanges check.</summary>
    public static string Firewall(string servicePortName, string protocol) => FirewallPrefix + PortProtoHash(servicePortName, protocol);

    /// <summary>KUBE-SEP-: one endpoint's DNAT chain; the endpoint is "ip:port".</summary>
    public static string Endpoint(string servicePortName, string protocol, string endpoint) =>
        EndpointPrefix + Hash16(servicePortName + protocol + endpoint);

    /// <summary>
    /// Which of kube-proxy's per-service chains a chain is, by the prefix it was named with (kube-proxy's own
    /// isServiceChainName tells its chains apart the same way); <see cref="ChainRole.Other"/> for every other chain.
    /// </summary>
    public static ChainRole RoleOf(string chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (chain.StartsWith(EndpointPrefix, StringComparison.Ordinal))
        {
            return ChainRole.Endpoint;
        }
        return chain.StartsWith(ServicePrefix, StringComparison.Ordinal) || chain.StartsWith(ServiceLocalPrefix, StringComparison.Ordinal)
            || chain.StartsWith(ExternalPrefix, StringComparison.Ordinal) || chain.StartsWith(FirewallPrefix, StringComparison.Ordinal)
            ? ChainRole.Service
            : ChainRole.Other;
    }

    private static string PortProtoHash(string servicePortName, string protocol) => Hash16(servicePortName + protocol);

    private static string Hash16(string input)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(input), digest);
        // 16 base32 characters are exactly the first 80 bits (10 bytes) of the digest.
        var builder = new StringBuilder(16);
        ulong buffer = 0;
        var bits = 0;
        foreach (var b in digest[..10])
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                builder.Append(Base32Alphabet[(int)((buffer >> bits) & 31)]);
            }
        }
        return builder.ToString();
    }
}

/// <summary>What one of kube-proxy's generated chains does for a packet.</summary>
public enum ChainRole
{
    /// <summary>A fixed chain (KUBE-SERVICES, KUBE-MARK-MASQ, ...) or one kube-proxy did not make.</summary>
    Other,

    /// <summary>A service port's chain: KUBE-SVC-, KUBE-SVL-, KUBE-EXT- or KUBE-FW-.</summary>
    Service,

    /// <summary>An endpoint's KUBE-SEP- chain, which DNATs to it.</summary>
    Endpoint,
}
