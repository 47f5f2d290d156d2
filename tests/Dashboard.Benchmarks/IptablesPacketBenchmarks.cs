using BenchmarkDotNet.Attributes;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Kubernetes;

namespace Dashboard.Benchmarks;

/// <summary>
/// The engine's cost per packet in iptables mode. A first packet (TCP SYN of a new connection) to the LAST service
/// in KUBE-SERVICES walks every service rule, as the real kernel would; an established packet finds its conntrack
/// entry and never sees the nat table.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class IptablesPacketBenchmarks : PacketBenchmarks
{
    protected override NodeDataplane BuildNode(ClusterObjects objects, NodeSettings node) =>
        NodeDataplane.ForIptablesNode(objects, node, seed: 1);
}
