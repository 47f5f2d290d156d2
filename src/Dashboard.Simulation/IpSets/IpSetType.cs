namespace Dashboard.Simulation.IpSets;

/// <summary>The ipset types kube-proxy's IPVS mode creates (plus hash:net), each a different data structure in the kernel.</summary>
public enum IpSetType
{
    /// <summary>hash:ip: single addresses (KUBE-IPVS-IPS).</summary>
    HashIp,

    /// <summary>hash:ip,port: address plus protocol and port (KUBE-CLUSTER-IP, KUBE-EXTERNAL-IP, KUBE-LOAD-BALANCER...).</summary>
    HashIpPort,

    /// <summary>hash:ip,port,ip: address, protocol and port, second address (KUBE-LOOP-BACK, KUBE-LOAD-BALANCER-SOURCE-IP).</summary>
    HashIpPortIp,

    /// <summary>hash:ip,port,net: address, protocol and port, network (KUBE-LOAD-BALANCER-SOURCE-CIDR).</summary>
    HashIpPortNet,

    /// <summary>hash:net: networks of any prefix length but /0.</summary>
    HashNet,

    /// <summary>bitmap:port: one bit per port of a fixed range (KUBE-NODE-PORT-TCP/UDP, KUBE-HEALTH-CHECK-NODE-PORT).</summary>
    BitmapPort,
}

/// <summary>What the kernel and the ipset tool say about each set type: its name, dimensions, revision and element size.</summary>
public static class IpSetTypes
{
    public static string ToName(this IpSetType type) => type switch
    {
        IpSetType.HashIp => "hash:ip",
        IpSetType.HashIpPort => "hash:ip,port",
        IpSetType.HashIpPortIp => "hash:ip,port,ip",
        IpSetType.HashIpPortNet => "hash:ip,port,net",
        IpSetType.HashNet => "hash:net",
        IpSetType.BitmapPort => "bitmap:port",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool TryParse(string? name, out IpSetType type)
    {
        switch (name)
        {
            case "hash:ip": type = IpSetType.HashIp; return true;
            case "hash:ip,port": type = IpSetType.HashIpPort; return true;
            case "hash:ip,port,ip": type = IpSetType.HashIpPortIp; return true;
            case "hash:ip,port,net": type = IpSetType.HashIpPortNet; return true;
            case "hash:net": type = IpSetType.HashNet; return true;
            case "bitmap:port": type = IpSetType.BitmapPort; return true;
            default: type = default; return false;
        }
    }

    /// <summary>How many src/dst flags a `-m set` match needs for this type; with fewer the kernel never matches.</summary>
    public static int Dimensions(this IpSetType type) => type switch
    {
        IpSetType.HashIp or IpSetType.HashNet or IpSetType.BitmapPort => 1,
        IpSetType.HashIpPort => 2,
        _ => 3,
    };

    public static bool IsHash(this IpSetType type) => type is not IpSetType.BitmapPort;

    /// <summary>
    /// The revision `ipset list` prints: the newest one both the kernel module and ipset v7.17 know. Read off kernel
    /// 6.18 with ipset 7.17; an older kernel prints lower numbers.
    /// </summary>
    public static int Revision(this IpSetType type) => type switch
    {
        IpSetType.HashIp => 6,
        IpSetType.HashIpPort => 7,
        IpSetType.HashIpPortIp => 6,
        IpSetType.HashIpPortNet => 8,
        IpSetType.HashNet => 7,
        IpSetType.BitmapPort => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>sizeof the kernel's element struct (hash_ipport4_elem and so on): what the bucket hash runs over.</summary>
    internal static int ElementSize(this IpSetType type) => type switch
    {
        IpSetType.HashIp => 4,
        IpSetType.HashIpPort or IpSetType.HashNet => 8,
        IpSetType.HashIpPortIp or IpSetType.HashIpPortNet => 12,
        _ => 0,
    };
}
