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
    /// <summary>Targets by (external ? 2 : 0) + (UDP ? 1 : 0).</summary>
    private readonly TrafficTarget[][] _targets;
    private readonly double[] _placementWeights;
    private long _nextId = 1;

    public TrafficGenerator(TrafficProfile profile, IReadOnlyList<TrafficTarget> targets, NodeSettings node, long seed)
    {
        _profile = profile;
        _node = node;
        _random = new Random(unchecked((int)seed ^ 0x5EED));
        _targets =
        [
            [.. targets.Where(t => !t.External && t.Protocol == IpProtocol.Tcp)],
            [.. targets.Where(t => !t.External && t.Protocol == IpProtocol.Udp)],
            [.. targets.Where(t => t.External && t.Protocol == IpProtocol.Tcp)],
            [.. targets.Where(t => t.External && t.Protocol == IpProtocol.Udp)],
        ];
        var hasInternal = _targets[0].Length + _targets[1].Length > 0;
        var hasExternal = _targets[2].Length + _targets[3].Length > 0;
        _placementWeights =
        [
            hasInternal ? profile.PodOnNodeWeight : 0,
            hasInternal ? profile.PodOnOtherNodeWeight : 0,
            hasExternal ? profile.ExternalWeight : 0,
        ];
        var warnings = new List<string>();
        if (!hasExternal && profile.ExternalWeight > 0)
        {
            warnings.Add("no NodePort, external IP or load-balancer service: external clients send nothing");
        }
        if (profile.UdpShare > 0 && _targets[1].Length + _targets[3].Length == 0)
        {
            warnings.Add("no UDP service port: every connection is TCP");
        }
        if (profile.UdpShare < 1 && _targets[0].Length + _targets[2].Length == 0)
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
        var external = placement == ClientPlacement.External ? 2 : 0;
        var udp = _random.NextDouble() < _profile.UdpShare ? 1 : 0;
        var candidates = _targets[external + udp].Length > 0 ? _targets[external + udp] : _targets[external + (1 - udp)];
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
