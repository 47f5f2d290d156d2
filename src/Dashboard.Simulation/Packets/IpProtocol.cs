namespace Dashboard.Simulation.Packets;

/// <summary>The IP header's protocol number, as the kernel and conntrack print it.</summary>
public enum IpProtocol : byte
{
    Icmp = 1,
    IpInIp = 4,
    Tcp = 6,
    Udp = 17,
    Sctp = 132,
}

public static class IpProtocolNames
{
    /// <summary>The lower-case name iptables, conntrack and kube-proxy's chain hashes use.</summary>
    public static string ToName(this IpProtocol protocol) => protocol switch
    {
        IpProtocol.Icmp => "icmp",
        IpProtocol.IpInIp => "ipencap",
        IpProtocol.Tcp => "tcp",
        IpProtocol.Udp => "udp",
        IpProtocol.Sctp => "sctp",
        _ => ((byte)protocol).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static bool TryParse(string? name, out IpProtocol protocol)
    {
        switch (name?.ToLowerInvariant())
        {
            case "tcp": protocol = IpProtocol.Tcp; return true;
            case "udp": protocol = IpProtocol.Udp; return true;
            case "sctp": protocol = IpProtocol.Sctp; return true;
            case "icmp": protocol = IpProtocol.Icmp; return true;
            default: protocol = default; return false;
        }
    }

    public static bool HasPorts(this IpProtocol protocol) =>
        protocol is IpProtocol.Tcp or IpProtocol.Udp or IpProtocol.Sctp;
}
