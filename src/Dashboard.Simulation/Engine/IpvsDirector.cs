using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>
/// The node's IPVS (the director in LVS terms): its service table, its connection table and the node address it
/// sends from. The dataplane calls it where the kernel's IPVS hooks sit: LOCAL_IN for requests (after filter INPUT)
/// and FORWARD for NAT replies.
/// </summary>
public sealed class IpvsDirector(ServiceTable services, ConnectionTable connections, Ipv4Address nodeAddress)
{
    public ServiceTable Services { get; private set; } = services;
    public ConnectionTable Connections { get; } = connections;
    public Ipv4Address NodeAddress { get; } = nodeAddress;

    /// <summary>A new sync replaced the virtual services (real servers already moved over by the proxier's sync).</summary>
    internal void Replace(ServiceTable services) => Services = services;

    /// <summary>
    /// The IPVS connection a packet answers when it comes from a DR or TUN real server straight to the client (source
    /// = the virtual address). Null for every other packet. Only a hash lookup for packets not from a virtual service.
    /// </summary>
    public IpvsConnection? DirectReplyTo(Packet packet, TimeSpan now)
    {
        if (packet.Protocol is not (IpProtocol.Tcp or IpProtocol.Udp) ||
            !Services.Lookup(packet.Protocol, packet.Source, packet.SourcePort).Found)
        {
            return null;
        }
        var connection = Connections.Find(
            new ConnectionTuple(packet.Protocol, packet.Destination, packet.DestinationPort, packet.Source, packet.SourcePort), now);
        return connection is { Method: not ForwardingMethod.Masquerade } ? connection : null;
    }

    /// <summary>ipvsadm's name of a forwarding method as the API writes it: nat, dr, tun.</summary>
    public static string MethodName(ForwardingMethod method) => method switch
    {
        ForwardingMethod.DirectRouting => "dr",
        ForwardingMethod.Tunnel => "tun",
        _ => "nat",
    };

    /// <summary>The MAC a real server answers ARP with: a pod's CNI-derived MAC, or a host's (modelled) NIC MAC.</summary>
    public static string MacOf(Ipv4Address address, Ipv4Prefix clusterCidr) =>
        clusterCidr.Contains(address) ? EthernetHeader.PodMac(address) : EthernetHeader.NodeMac(address);
}
