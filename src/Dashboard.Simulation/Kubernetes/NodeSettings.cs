using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Kubernetes;

/// <summary>
/// The node kube-proxy runs on: its name (which endpoints are local), its IP (NodePorts), its pod CIDR and the
/// cluster CIDR (the "local traffic" detector: traffic from outside it is masqueraded).
/// </summary>
public sealed record NodeSettings(string Name, Ipv4Address Ip, Ipv4Prefix PodCidr, Ipv4Prefix ClusterCidr)
{
    public static NodeSettings Default { get; } = new(
        "node-1", Ipv4Address.Parse("192.168.1.10"), Ipv4Prefix.Parse("10.244.0.0/24"), Ipv4Prefix.Parse("10.244.0.0/16"));
}
