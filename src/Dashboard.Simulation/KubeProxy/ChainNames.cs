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

    /// <summary>KUBE-SVC-: the service port's cluster-wide load-balancing chain.</summary>
    public static string Service(string servicePortName, string protocol) => "KUBE-SVC-" + PortProtoHash(servicePortName, protocol);

    /// <summary>KUBE-SVL-: load balancing over this node's endpoints only (traffic policy Local).</summary>
    public static string ServiceLocal(string servicePortName, string protocol) => "KUBE-SVL-" + PortProtoHash(servicePortName, protocol);

    /// <summary>KUBE-EXT-: traffic arriving from outside (NodePort, external and load-balancer IPs).</summary>
    public static string External(string servicePortName, string protocol) => "KUBE-EXT-" + PortProtoHash(servicePortName, protocol);

    /// <summary>KUBE-FW-: the loadBalancerSourceRanges check.</summary>
    public static string Firewall(string servicePortName, string protocol) => "KUBE-FW-" + PortProtoHash(servicePortName, protocol);

    /// <summary>KUBE-SEP-: one endpoint's DNAT chain; the endpoint is "ip:port".</summary>
    public static string Endpoint(string servicePortName, string protocol, string endpoint) =>
        "KUBE-SEP-" + Hash16(servicePortName + protocol + endpoint);

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
