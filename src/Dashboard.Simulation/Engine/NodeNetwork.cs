using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>Where a packet enters the node: from a pod on it (its veth), or on eth0 from another node's pod or the outside.</summary>
public enum PacketOrigin
{
    Pod,
    RemoteNode,
    External,
}

/// <summary>
/// The node's addresses and routes, as the kernel's routing decision and `-m addrtype` see them: the node IP on
/// eth0 (default route), its pods on per-pod veths with no address of their own (as ptp CNIs do, so MASQUERADE
/// picks the node IP), loopback, and in IPVS mode the service addresses bound to the dummy interface kube-ipvs0
/// (which makes them local: the kernel routes them to INPUT, where IPVS waits).
/// </summary>
public sealed class NodeNetwork(NodeSettings settings, IEnumerable<Ipv4Address>? dummyAddresses = null) : IAddressTypes
{
    public const string IpvsDummyInterface = "kube-ipvs0";

    private readonly HashSet<Ipv4Address> _dummyAddresses = [.. dummyAddresses ?? []];

    /// <summary>kube-proxy's sync binds the addresses it wants on kube-ipvs0 and unbinds the rest.</summary>
    public void BindDummyAddresses(IEnumerable<Ipv4Address> addresses)
    {
        _dummyAddresses.Clear();
        _dummyAddresses.UnionWith(addresses);
    }

    private static readonly Ipv4Prefix Loopback = Ipv4Prefix.Parse("127.0.0.0/8");
    private static readonly Ipv4Prefix MulticastRange = Ipv4Prefix.Parse("224.0.0.0/4");

    public const string Uplink = "eth0";

    public NodeSettings Settings { get; } = settings;

    public AddressType TypeOf(Ipv4Address address)
    {
        if (address == Settings.Ip || Loopback.Contains(address) || _dummyAddresses.Contains(address))
        {
            return AddressType.Local;
        }
        if (address.Value == uint.MaxValue)
        {
            return AddressType.Broadcast;
        }
        return MulticastRange.Contains(address) ? AddressType.Multicast : AddressType.Unicast;
    }

    public bool IsLocal(Ipv4Address address) => TypeOf(address) == AddressType.Local;

    /// <summary>The interface a pod of this node hangs off (its host-side veth).</summary>
    public static string PodInterface(Ipv4Address pod) => $"veth{pod.Value & 0xFFFF:x4}";

    /// <summary>The interface a packet from this origin arrives on.</summary>
    public static string InInterface(PacketOrigin origin, Ipv4Address source) =>
        origin == PacketOrigin.Pod ? PodInterface(source) : Uplink;

    /// <summary>The route for a destination that is not local: this node's pods by their veth, everything else out of eth0.</summary>
    public string OutInterface(Ipv4Address destination) =>
        Settings.PodCidr.Contains(destination) ? PodInterface(destination) : Uplink;

    /// <summary>The source MASQUERADE picks: the address of the outgoing interface, or the node IP where the veth has none.</summary>
    public Ipv4Address MasqueradeAddress(string outInterface) => Settings.Ip;
}
