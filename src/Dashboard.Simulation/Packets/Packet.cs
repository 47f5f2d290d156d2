namespace Dashboard.Simulation.Packets;

/// <summary>
/// A packet as netfilter sees it: the IP and transport header fields rules can match or rewrite, the skb mark,
/// and the interfaces it came in on and goes out of. Mutable because NAT and MARK rewrite it in place, as the kernel does.
/// </summary>
public sealed class Packet
{
    public required IpProtocol Protocol { get; set; }
    public required Ipv4Address Source { get; set; }
    public required Ipv4Address Destination { get; set; }
    public ushort SourcePort { get; set; }
    public ushort DestinationPort { get; set; }
    public TcpFlags TcpFlags { get; set; }

    /// <summary>The skb mark (`-j MARK`, `-m mark`); kube-proxy's 0x4000 bit lives here, not in the conntrack mark.</summary>
    public uint Mark { get; set; }

    /// <summary>Total length in bytes, for rule counters (a TCP SYN with options is 60).</summary>
    public int Length { get; set; } = 60;

    public string? InInterface { get; set; }
    public string? OutInterface { get; set; }

    /// <summary>The Ethernet header, where the mode at hand changes it (IPVS direct routing rewrites only this).</summary>
    public EthernetHeader? Ethernet { get; set; }

    /// <summary>The outer IP header of an IPIP-encapsulated packet (IPVS tunnelling); null for a plain packet.</summary>
    public OuterIpHeader? Outer { get; set; }

    public PacketHeaders Headers => new(Protocol, Source, SourcePort, Destination, DestinationPort, TcpFlags, Mark, Ethernet, Outer);
}

/// <summary>Source and destination MAC addresses, written as `ip link` prints them.</summary>
public readonly record struct EthernetHeader(string Source, string Destination)
{
    /// <summary>
    /// A pod's MAC, MODELLED on the scheme OVN-Kubernetes and older CNI bridge plugins use: 0a:58 followed by the
    /// four bytes of the pod IP.
    /// </summary>
    public static string PodMac(Ipv4Address address) => Mac(0x0a, 0x58, address);

    /// <summary>
    /// A node NIC's MAC. Real NICs have burned-in addresses; the simulator MODELS one as the locally administered
    /// 02:00 followed by the node IP's bytes, so every address shown is stable and traceable to its host.
    /// </summary>
    public static string NodeMac(Ipv4Address address) => Mac(0x02, 0x00, address);

    private static string Mac(byte first, byte second, Ipv4Address address)
    {
        var v = address.Value;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{first:x2}:{second:x2}:{v >> 24:x2}:{(v >> 16) & 0xFF:x2}:{(v >> 8) & 0xFF:x2}:{v & 0xFF:x2}");
    }
}

/// <summary>An outer IPv4 header put around a packet (IPIP: protocol 4, director to real server).</summary>
public readonly record struct OuterIpHeader(Ipv4Address Source, Ipv4Address Destination, IpProtocol Protocol = IpProtocol.IpInIp);

/// <summary>An immutable snapshot of a packet's headers, taken before and after each rewrite.</summary>
public readonly record struct PacketHeaders(
    IpProtocol Protocol,
    Ipv4Address Source,
    ushort SourcePort,
    Ipv4Address Destination,
    ushort DestinationPort,
    TcpFlags TcpFlags,
    uint Mark,
    EthernetHeader? Ethernet = null,
    OuterIpHeader? Outer = null);
