using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Netfilter;

namespace Dashboard.Simulation.KubeProxy;

/// <summary>The rules endpoint's work: the objects in, the node's `iptables-save` text out.</summary>
public static class IptablesRules
{
    /// <summary>The ruleset kube-proxy would install, printed as iptables 1.8.9 (nf_tables) `iptables-save` prints it, without the dated comment lines.</summary>
    public static string Save(ClusterObjects objects, NodeSettings node) => IptablesSaveWriter.Write(NodeIptables.Build(objects, node));
}
