using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Ipvs;

/// <summary>How IPVS forwards a request to a real server: ipvsadm -m (NAT), -g (direct routing), -i (IPIP tunnel).</summary>
public enum ForwardingMethod
{
    Masquerade,
    DirectRouting,
    Tunnel,
}

/// <summary>
/// A backend of a virtual service (the kernel's ip_vs_dest): its address, weight and connection counters. Weight 0
/// makes it quiescent: it takes no new connections, while the ones it has continue.
/// </summary>
public sealed class RealServer(Ipv4Address address, ushort port, int weight = 1, ForwardingMethod method = ForwardingMethod.Masquerade)
{
    public Ipv4Address Address { get; } = address;
    public ushort Port { get; } = port;
    public int Weight { get; set; } = weight;
    public ForwardingMethod Method { get; set; } = method;

    /// <summary>TCP connections in ESTABLISHED (ipvsadm's ActiveConn).</summary>
    public int ActiveConnections { get; set; }

    /// <summary>Every other connection, including all UDP ones (ipvsadm's InActConn).</summary>
    public int InactiveConnections { get; set; }

    /// <summary>Set when the server is over its upper connection threshold (IP_VS_DEST_F_OVERLOAD): schedulers skip it.</summary>
    public bool Overloaded { get; set; }

    /// <summary>The service whose list holds the server, null once removed (IP_VS_DEST_F_AVAILABLE as a reference).</summary>
    internal VirtualService? Owner { get; set; }

    /// <summary>Totals for `ipvsadm -Ln --stats`.</summary>
    public long Connections { get; set; }
    public long InPackets { get; set; }
    public long OutPackets { get; set; }
    public long InBytes { get; set; }
    public long OutBytes { get; set; }

    /// <summary>
    /// ip_vs_dest_conn_overhead (include/net/ip_vs.h, Linux 6.1.192): (activeconns &lt;&lt; 8) + totalconns, where
    /// totalconns counts active and inactive connections alike, so an active one weighs 257 times an inactive one.
    /// (Older kernels added inactconns instead of totalconns: 256 times.)
    /// </summary>
    public int Overhead => (ActiveConnections << 8) + ActiveConnections + InactiveConnections;

    public override string ToString() => $"{Address}:{Port}";
}
