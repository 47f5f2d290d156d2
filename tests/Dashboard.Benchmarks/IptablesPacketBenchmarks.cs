using BenchmarkDotNet.Attributes;
using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.CostModel;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;
using Dashboard.Simulation.Scenarios;

namespace Dashboard.Benchmarks;

/// <summary>
/// The engine's cost per packet in iptables mode. A first packet (TCP SYN of a new connection) to the LAST service
/// in KUBE-SERVICES walks every service rule, as the real kernel would; an established packet finds its conntrack
/// entry and never sees the nat table.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class IptablesPacketBenchmarks
{
    private NodeDataplane _dataplane = null!;
    private Ipv4Address _lastClusterIp;
    private ushort _sourcePort = 1024;
    private Packet _ackPacket = null!;

    [Params(100, 1_000, 10_000, 50_000)]
    public int Services { get; set; }

    /// <summary>Rules a first packet to the last service walks: every KUBE-SERVICES rule, plus the rest of its path.</summary>
    public int RulesWalked { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        var objects = ScenarioCatalog.GenerateObjects(Services, 2);
        var node = NodeSettings.Default;
        var ruleset = NodeIptables.Build(objects, node);
        _dataplane = new NodeDataplane(ruleset, new NodeNetwork(node),
            new ConntrackTable(ConntrackSettings.KubeProxyNode(), seed: 1), new SeededStatistic(1), DataplaneCostModel.Default, seed: 1);
        _lastClusterIp = Ipv4Address.Parse(objects.Services[^1].Spec.ClusterIP);

        // An established flow for the second benchmark: SYN, SYN-ACK, then ACKs.
        var syn = Syn(40000);
        var first = _dataplane.Process(syn, PacketOrigin.RemoteNode, TimeSpan.Zero);
        RulesWalked = first.RulesEvaluated;
        var backend = first.Connection!.Reply;
        _dataplane.Process(new Packet
        {
            Protocol = IpProtocol.Tcp, Source = backend.Source, SourcePort = backend.SourcePort,
            Destination = backend.Destination, DestinationPort = backend.DestinationPort, TcpFlags = TcpFlags.Syn | TcpFlags.Ack,
        }, PacketOrigin.RemoteNode, TimeSpan.Zero);
        _ackPacket = Syn(40000);
    }

    private Packet Syn(ushort sourcePort) => new()
    {
        Protocol = IpProtocol.Tcp,
        Source = Ipv4Address.Parse("10.244.1.7"),
        SourcePort = sourcePort,
        Destination = _lastClusterIp,
        DestinationPort = 80,
        TcpFlags = TcpFlags.Syn,
    };

    [Benchmark(Description = "first packet (SYN) to the last service")]
    public int FirstPacket()
    {
        _sourcePort = _sourcePort == ushort.MaxValue ? (ushort)1024 : (ushort)(_sourcePort + 1);
        var result = _dataplane.Process(Syn(_sourcePort), PacketOrigin.RemoteNode, TimeSpan.Zero);
        // Forget the connection so every iteration is a first packet and the table does not grow.
        _dataplane.Conntrack.Remove(result.Connection!);
        return result.RulesEvaluated;
    }

    [Benchmark(Description = "established packet (ACK)")]
    public int EstablishedPacket()
    {
        var packet = _ackPacket;
        packet.Source = Ipv4Address.Parse("10.244.1.7");
        packet.SourcePort = 40000;
        packet.Destination = _lastClusterIp;
        packet.DestinationPort = 80;
        packet.TcpFlags = TcpFlags.Ack;
        packet.Mark = 0;
        return _dataplane.Process(packet, PacketOrigin.RemoteNode, TimeSpan.Zero).RulesEvaluated;
    }
}
