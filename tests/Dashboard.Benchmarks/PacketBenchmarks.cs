using BenchmarkDotNet.Attributes;
using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;
using Dashboard.Simulation.Scenarios;

namespace Dashboard.Benchmarks;

/// <summary>
/// The engine's cost per packet in one kube-proxy mode, the same two measurements for each mode so they can stand side
/// by side: a first packet (TCP SYN of a new connection) from a pod on the node to the LAST generated service, and an
/// established packet (ACK) of a connection set up in <see cref="Setup"/>. Each mode's class only builds its node.
/// </summary>
public abstract class PacketBenchmarks
{
    /// <summary>A pod on this node (<see cref="NodeSettings.Default"/>'s pod CIDR is 10.244.0.0/24).</summary>
    private static readonly Ipv4Address Client = Ipv4Address.Parse("10.244.0.7");

    private const ushort EstablishedPort = 40000;

    /// <summary>
    /// Virtual time between two first packets. Neither table is cleared by hand: every SYN comes 1 s after the last, so
    /// the entries of older SYNs expire on the virtual clock as they would on a node (conntrack's SYN_SENT after 120 s,
    /// IPVS's SYN_RECV after 60 s; an IPVS entry's 3 s before its first transition is replaced by SYN_RECV's at once).
    /// The tables thus hold a steady ~120 and ~60 entries however many millions of SYNs BenchmarkDotNet sends, and each
    /// SYN pays for about one expiry in each table, as the kernel's timers would. Source ports cycle through 64,512
    /// values, so a port comes back 18 virtual hours after it was last used, long after its entries expired.
    /// </summary>
    private static readonly TimeSpan NewConnectionInterval = TimeSpan.FromSeconds(1);

    /// <summary>Virtual time between two packets of the established flow: each re-arms the flow's timers, so it never expires.</summary>
    private static readonly TimeSpan EstablishedInterval = TimeSpan.FromMilliseconds(1);

    private NodeDataplane _dataplane = null!;
    private PacketOrigin _backendOrigin;
    private Ipv4Address _lastClusterIp;
    private ushort _sourcePort = 1024;
    private TimeSpan _now;
    private Packet _ackPacket = null!;

    [Params(100, 1_000, 10_000, 50_000)]
    public int Services { get; set; }

    /// <summary>The node in this benchmark's mode, running kube-proxy for <paramref name="objects"/>.</summary>
    protected abstract NodeDataplane BuildNode(ClusterObjects objects, NodeSettings node);

    [GlobalSetup]
    public void Setup()
    {
        var objects = ScenarioCatalog.GenerateObjects(Services, 2);
        var node = NodeSettings.Default;
        _dataplane = BuildNode(objects, node);
        _lastClusterIp = Ipv4Address.Parse(objects.Services[^1].Spec.ClusterIP);

        // The established flow: SYN, the chosen endpoint's SYN-ACK (from wherever it runs), ACK.
        var first = _dataplane.Process(ToLastService(EstablishedPort, TcpFlags.Syn), PacketOrigin.Pod, _now);
        var backend = first.Connection!.Reply;
        _backendOrigin = node.PodCidr.Contains(backend.Source) ? PacketOrigin.Pod : PacketOrigin.RemoteNode;
        _dataplane.Process(new Packet
        {
            Protocol = IpProtocol.Tcp, Source = backend.Source, SourcePort = backend.SourcePort,
            Destination = backend.Destination, DestinationPort = backend.DestinationPort, TcpFlags = TcpFlags.Syn | TcpFlags.Ack,
        }, _backendOrigin, _now);
        _ackPacket = ToLastService(EstablishedPort, TcpFlags.Ack);
        EstablishedPacket();
        if (first.Connection.TcpState != TcpConntrackState.Established)
        {
            throw new InvalidOperationException($"the handshake to {_lastClusterIp}:80 did not establish: {first.Connection}");
        }
    }

    private Packet ToLastService(ushort sourcePort, TcpFlags flags) => new()
    {
        Protocol = IpProtocol.Tcp,
        Source = Client,
        SourcePort = sourcePort,
        Destination = _lastClusterIp,
        DestinationPort = 80,
        TcpFlags = flags,
    };

    [Benchmark(Description = "first packet (SYN) to the last service")]
    public int FirstPacket()
    {
        _sourcePort = _sourcePort == ushort.MaxValue ? (ushort)1024 : (ushort)(_sourcePort + 1);
        _now += NewConnectionInterval;
        return _dataplane.Process(ToLastService(_sourcePort, TcpFlags.Syn), PacketOrigin.Pod, _now).RulesEvaluated;
    }

    [Benchmark(Description = "established packet (ACK)")]
    public int EstablishedPacket()
    {
        // One packet object, put back as the client sent it (the walk rewrites its addresses), so no allocation is ours.
        var packet = _ackPacket;
        packet.Source = Client;
        packet.SourcePort = EstablishedPort;
        packet.Destination = _lastClusterIp;
        packet.DestinationPort = 80;
        packet.TcpFlags = TcpFlags.Ack;
        packet.Mark = 0;
        packet.Ethernet = null;
        packet.Outer = null;
        _now += EstablishedInterval;
        return _dataplane.Process(packet, PacketOrigin.Pod, _now).RulesEvaluated;
    }
}
