using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.KubeProxy;

/// <summary>
/// What kube-proxy (pkg/proxy/conntrack/cleanup.go) deletes from conntrack after a sync: UDP flows to a service
/// address and port (ClusterIP, external IP, load-balancer IP, or a node port) whose DNAT target is no longer one of
/// that service port's serving endpoints. Only UDP: a TCP connection to a removed pod keeps its entry, and its packets
/// keep going to the old pod until the connection ends or times out.
/// </summary>
public static class StaleConntrackCleanup
{
    /// <summary>Deletes the stale entries and returns them as `conntrack -L` printed them just before.</summary>
    public static IReadOnlyList<string> Run(ConntrackTable conntrack, ClusterObjects objects, NodeSettings node, TimeSpan now)
    {
        var serving = new Dictionary<(Ipv4Address Address, ushort Port), HashSet<(Ipv4Address, ushort)>>();
        foreach (var (port, endpoints) in IptablesProxier.ServicePorts(objects, node))
        {
            if (port.Protocol != IpProtocol.Udp)
            {
                continue;
            }
            var targets = endpoints.Where(e => e.Serving).Select(e => (e.Ip, e.Port)).ToHashSet();
            foreach (var address in port.ExternalIps.Concat(port.LoadBalancerVips).Append(port.ClusterIp))
            {
                serving[(address, port.Port)] = targets;
            }
            if (port.NodePort != 0)
            {
                serving[(node.Ip, port.NodePort)] = targets;
            }
        }
        var stale = conntrack.Entries()
            // The filter reads the tuples, as kube-proxy's netlink filter does, so IPVS's altered entries count too.
            .Where(e => e.Protocol == IpProtocol.Udp &&
                        (e.Reply.Source != e.Original.Destination || e.Reply.SourcePort != e.Original.DestinationPort) &&
                        serving.TryGetValue((e.Original.Destination, e.Original.DestinationPort), out var targets) &&
                        !targets.Contains((e.Reply.Source, e.Reply.SourcePort)))
            .ToList();
        var lines = stale.Select(e => e.ToConntrackLine(now)).ToList();
        foreach (var entry in stale)
        {
            conntrack.Remove(entry);
        }
        return lines;
    }
}
