using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Traffic;

/// <summary>
/// An address clients connect to: a ClusterIP:port (for pods), or a NodePort, external IP or load-balancer VIP (for
/// clients outside the cluster), with the service port it belongs to.
/// </summary>
public sealed record TrafficTarget(ServicePort Service, Ipv4Address Address, ushort Port, bool External)
{
    public IpProtocol Protocol => Service.Protocol;

    public override string ToString() => $"{Address}:{Port}/{Service.ProtocolName} ({Service.Name})";

    /// <summary>
    /// Every address the node's kube-proxy serves, in kube-proxy's service order: ClusterIPs for pods; the node IP's
    /// NodePorts, external IPs and load-balancer VIPs for external clients.
    /// </summary>
    public static IReadOnlyList<TrafficTarget> Of(ClusterObjects objects, NodeSettings node)
    {
        var targets = new List<TrafficTarget>();
        foreach (var (port, _) in IptablesProxier.ServicePorts(objects, node))
        {
            targets.Add(new TrafficTarget(port, port.ClusterIp, port.Port, External: false));
            if (port.NodePort != 0)
            {
                targets.Add(new TrafficTarget(port, node.Ip, port.NodePort, External: true));
            }
            foreach (var address in port.ExternalIps.Concat(port.LoadBalancerVips))
            {
                targets.Add(new TrafficTarget(port, address, port.Port, External: true));
            }
        }
        return targets;
    }
}
