using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Traffic;

/// <summary>
/// Opens connections as a Poisson process on the virtual clock: exponential gaps at the profile's rate, each with a
/// placement, protocol and target drawn by weight, a client address in the placement's range and an ephemeral port
/// (32768-60999, Linux's default ip_local_port_range). The seed decides every draw, so the same seed gives the same
/// conversations in every pane and on every machine.
/// </summary>
public sealed class TrafficGenerator
{
    private const int FirstEphemeralPort = 32768;
    private const int LastEphemeralPort = 60999;

    /// <summary>TEST-NET-3 (RFC 5737): addresses that stand for "somewhere on the internet".</summary>
    private static readonly Ipv4Prefix ExternalClients = Ipv4Prefix.Parse("203.0.113.0/24");

    private readonly Random _random;
    private readonly TrafficProfile _profile;
    private readonly NodeSettings _node;
    /// <summary>Targets by placement * 2 + (UDP ? 1 : 0): see <see cref="Targets"/>.</summary>
    private readonly TrafficTarget[][] _targets;
    private readonly double[] _placementWeights;
    private long _nextId = 1;

    public TrafficGenerator(TrafficProfile profile, IReadOnlyList<TrafficTarget> targets, NodeSettings node, long seed)
    {
        _profile = profile;
        _node = node;
        _random = new Random(unchecked((int)seed ^ 0x5EED));
        // Per placement (its target kind), TCP then UDP.
        _targets = [.. Enum.GetValues<ClientPlacement>().SelectMany(placement => new[] { IpProtocol.Tcp, IpProtocol.Udp }
            .Select(protocol => targets.Where(t => t.Kind == KindFor(placement) && t.Protocol == protocol).ToArray()))];
        _placementWeights =
        [
            Reachable(ClientPlacement.PodOnNode) ? profile.PodOnNodeWeight : 0,
            Reachable(ClientPlacement.PodOnOtherNode) ? profile.PodOnOtherNodeWeight : 0,
            Reachable(ClientPlacement.External) ? profile.ExternalWeight : 0,
        ];
        var warnings = new List<string>();
        if (!Reachable(ClientPlacement.External) && profile.ExternalWeight > 0)
        {
            warnings.Add("no NodePort, external IP or load-balancer service: external clients send nothing");
        }
        if (!Reachable(ClientPlacement.PodOnOtherNode) && profile.PodOnOtherNodeWeight > 0)
        {
            warnings.Add("no service has a ready pod on this node: pods on other nodes send it nothing (their own node's kube-proxy picks the pod)");
        }
        if (profile.UdpShare > 0 && !targets.Any(t => t.Protocol == IpProtocol.Udp))
        {
            warnings.Add("no UDP service port: every connection is TCP");
        }
        if (profile.UdpShare < 1 && !targets.Any(t => t.Protocol == IpProtocol.Tcp))
        {
            warnings.Add("no TCP service port: every connection is UDP");
        }
        if (_placementWeights.Sum() <= 0)
        {
            warnings.Add("no service the chosen clients can reach: no traffic");
        }
        Warnings = warnings;
        NextStart = _placementWeights.Sum() > 0 ? Gap() : TimeSpan.MaxValue;
    }

    /// <summary>Why some of the profile cannot be honoured with these services (no UDP port, no NodePort...).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>When the next connection opens (TimeSpan.MaxValue: never).</summary>
    public TimeSpan NextStart { get; private set; }

    /// <summary>Opens the next connection and draws the time of the one after it.</summary>
    public Conversation Next()
    {
        if (NextStart == TimeSpan.MaxValue)
        {
            throw new InvalidOperationException("this traffic has no service to reach");
        }
        var start = NextStart;
        var placement = (ClientPlacement)Pick(_placementWeights);
        var udp = _random.NextDouble() < _profile.UdpShare ? 1 : 0;
        var candidates = Targets(placement, udp).Length > 0 ? Targets(placement, udp) : Targets(placement, 1 - udp);
        var target = candidates[_random.Next(candidates.Length)];
        var conversation = new Conversation
        {
            Id = _nextId++,
            Placement = placement,
            Target = target,
            Client = ClientAddress(placement),
            ClientPort = (ushort)_random.Next(FirstEphemeralPort, LastEphemeralPort + 1),
            Steps = Conversation.Script(target.Protocol, placement, start, _profile),
        };
        NextStart = start + Gap();
        return conversation;
    }

    private static TargetKind KindFor(ClientPlacement placement) => placement switch
    {
        ClientPlacement.PodOnNode => TargetKind.ClusterIp,
        ClientPlacement.PodOnOtherNode => TargetKind.LocalPod,
        _ => TargetKind.External,
    };

    private TrafficTarget[] Targets(ClientPlacement placement, int udp) => _targets[(int)placement * 2 + udp];

    private bool Reachable(ClientPlacement placement) => Targets(placement, 0).Length + Targets(placement, 1).Length > 0;

    private TimeSpan Gap() => TimeSpan.FromSeconds(-Math.Log(1 - _random.NextDouble()) / _profile.NewConnectionsPerSecond);

    private int Pick(double[] weights)
    {
        var x = _random.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            if ((x -= weights[i]) < 0 && weights[i] > 0)
            {
                return i;
            }
        }
        return Array.FindLastIndex(weights, w => w > 0);
    }

    /// <summary>A host address in the placement's range: this node's pod CIDR, the rest of the cluster CIDR, or TEST-NET-3.</summary>
    private Ipv4Address ClientAddress(ClientPlacement placement)
    {
        var range = placement switch
        {
            ClientPlacement.PodOnNode => _node.PodCidr,
            ClientPlacement.PodOnOtherNode => _node.ClusterCidr,
            _ => ExternalClients,
        };
        var size = 1L << (32 - range.Length);
        while (true)
        {
            // Neither the network nor the broadcast address; .1 is usually the gateway, so hosts start at .2.
            var address = new Ipv4Address(range.Network.Value + (uint)_random.NextInt64(2, Math.Max(3, size - 1)));
            // Another node's pod must not fall in this node's pod CIDR, nor be the node itself.
            if (placement != ClientPlacement.PodOnOtherNode || (!_node.PodCidr.Contains(address) && address != _node.Ip))
            {
                return address;
            }
        }
    }
}
