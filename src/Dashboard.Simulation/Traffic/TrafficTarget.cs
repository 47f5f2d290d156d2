using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Traffic;

/// <summary>What a client addresses: a service's ClusterIP, an address of the node's from outside, or a pod on this node.</summary>
public enum TargetKind
{
    /// <summary>ClusterIP:port, what a pod on this node connects to.</summary>
    ClusterIp,

    /// <summary>A NodePort on the node IP, an external IP or a load-balancer VIP: what clients outside the cluster connect to.</summary>
    External,

    /// <summary>
    /// A pod on this node at its own address and port: what a pod on another node's connection to the service looks
    /// like here, once that node's kube-proxy has picked this pod.
    /// </summary>
    LocalPod,
}

/// <summary>
/// An address clients connect to (<see cref="TargetKind"/>), with the service port it belongs to.
/// </summary>
public sealed record TrafficTarget(ServicePort Service, Ipv4Address Address, ushort Port, TargetKind Kind)
{
    public IpProtocol Protocol => Service.Protocol;

    public override string ToString() => $"{Address}:{Port}/{Service.ProtocolName} ({Service.Name})";

    /// <summary>
    /// Every address clients reach through this node, in kube-proxy's service order: ClusterIPs for pods on the node;
    /// the node IP's NodePorts, external IPs and load-balancer VIPs for clients outside; and each ready pod on this node
    /// for pods on other nodes (a ClusterIP connection is DNATed on the client's node, so it arrives here addressed to
    /// the pod; a service with internalTrafficPolicy Local keeps other nodes' clients on their own nodes).
    /// </summary>
    public static IReadOnlyList<TrafficTarget> Of(ClusterObjects objects, NodeSettings node)
    {
        var targets = new List<TrafficTarget>();
        foreach (var (port, endpoints) in IptablesProxier.ServicePorts(objects, node))
        {
            targets.Add(new TrafficTarget(port, port.ClusterIp, port.Port, TargetKind.ClusterIp));
            if (port.NodePort != 0)
            {
                targets.Add(new TrafficTarget(port, node.Ip, port.NodePort, TargetKind.External));
            }
            foreach (var address in port.ExternalIps.Concat(port.LoadBalancerVips))
            {
                targets.Add(new TrafficTarget(port, address, port.Port, TargetKind.External));
            }
            if (!port.InternalPolicyLocal)
            {
                foreach (var endpoint in endpoints.Where(e => e.IsLocal && e.Ready))
                {
                    targets.Add(new TrafficTarget(port, endpoint.Ip, endpoint.Port, TargetKind.LocalPod));
                }
            }
        }
        return targets;
    }
}
