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

    public PacketHeaders Headers => new(Protocol, Source, SourcePort, Destination, DestinationPort, TcpFlags, Mark);
}

/// <summary>An immutable snapshot of a packet's headers, taken before and after each rewrite.</summary>
public readonly record struct PacketHeaders(
    IpProtocol Protocol,
    Ipv4Address Source,
    ushort SourcePort,
    Ipv4Address Destination,
    ushort DestinationPort,
    TcpFlags TcpFlags,
    uint Mark);
