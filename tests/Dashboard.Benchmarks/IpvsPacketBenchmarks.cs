using BenchmarkDotNet.Attributes;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;

namespace Dashboard.Benchmarks;

/// <summary>
/// The engine's cost per packet in IPVS mode, beside <see cref="IptablesPacketBenchmarks"/>. A first packet to the LAST
/// service meets only a few rules whatever the number of services: nat PREROUTING's KUBE-SERVICES (ipset matches, one
/// hash lookup each), filter INPUT (the ClusterIP is local, bound to kube-ipvs0), then IPVS at LOCAL_IN (service hash,
/// rr scheduler, connection insert, NAT transmit) and POSTROUTING. An established packet finds its conntrack and IPVS
/// connection entries.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class IpvsPacketBenchmarks : PacketBenchmarks
{
    protected override NodeDataplane BuildNode(ClusterObjects objects, NodeSettings node) =>
        NodeDataplane.ForIpvsNode(NodeIpvs.Build(objects, node), node, seed: 1);
}
