using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;
using Dashboard.Simulation.Scenarios;
using Dashboard.Simulation.Traffic;

namespace Dashboard.Simulation.Tests.Traffic;

/// <summary>The workload every pane shares: a Poisson process of connections, drawn by weight, from plausible clients.</summary>
public class TrafficGeneratorTests
{
    private static readonly NodeSettings Node = NodeSettings.Default;
    private static readonly IReadOnlyList<TrafficTarget> SmallTargets = TrafficTarget.Of(ScenarioCatalog.Load("small"), Node);

    /// <summary>Every connection opened before <paramref name="until"/>.</summary>
    private static List<Conversation> Open(TrafficProfile profile, TimeSpan until, long seed = 1)
    {
        var generator = new TrafficGenerator(profile, SmallTargets, Node, seed);
        var conversations = new List<Conversation>();
        while (generator.NextStart < until)
        {
            conversations.Add(generator.Next());
        }
        return conversations;
    }

    /// <summary>A share within 5 standard errors of a binomial proportion: a fixed seed that fails this is a biased draw, not bad luck.</summary>
    private static void AssertShare(double expected, int hits, int trials)
    {
        var standardError = Math.Sqrt(expected * (1 - expected) / trials);
        Assert.InRange((double)hits / trials, expected - (5 * standardError), expected + (5 * standardError));
    }

    [Fact]
    public void Next_FixedSeed_ConnectionsFollowThePoissonRate()
    {
        const double rate = 50;
        var duration = TimeSpan.FromSeconds(400);

        var count = Open(TrafficProfile.Default with { NewConnectionsPerSecond = rate }, duration).Count;

        // The count in a window of a Poisson process is Poisson(rate x duration): mean and variance 20,000.
        var mean = rate * duration.TotalSeconds;
        Assert.InRange(count, mean - (5 * Math.Sqrt(mean)), mean + (5 * Math.Sqrt(mean)));
    }

    [Fact]
    public void Next_FixedSeed_GapsAreExponential()
    {
        const double rate = 20;
        var starts = Open(TrafficProfile.Default with { NewConnectionsPerSecond = rate }, TimeSpan.FromSeconds(500))
            .Select(c => c.Steps[0].At.TotalSeconds).ToList();
        var gaps = starts.Zip(starts.Skip(1), (a, b) => b - a).ToList();

        // An exponential gap exceeds its mean with probability e^-1: a regular or bursty clock would not.
        AssertShare(Math.Exp(-1), gaps.Count(g => g > 1 / rate), gaps.Count);
        Assert.All(gaps, g => Assert.True(g >= 0));
    }

    [Fact]
    public void Next_Weights_PlacementsAndUdpShareFollowThem()
    {
        var profile = TrafficProfile.Default with
        {
            NewConnectionsPerSecond = 100,
            PodOnNodeWeight = 5,
            PodOnOtherNodeWeight = 3,
            ExternalWeight = 2,
            UdpShare = 0.25,
        };
        var conversations = Open(profile, TimeSpan.FromSeconds(100));

        AssertShare(0.5, conversations.Count(c => c.Placement == ClientPlacement.PodOnNode), conversations.Count);
        AssertShare(0.3, conversations.Count(c => c.Placement == ClientPlacement.PodOnOtherNode), conversations.Count);
        AssertShare(0.2, conversations.Count(c => c.Placement == ClientPlacement.External), conversations.Count);
        // The small scenario's only UDP port (kube-dns) is a ClusterIP with no pod on this node: pods on this node can
        // use it; external clients, and pods elsewhere (whose DNS queries go to kube-dns' own nodes), cannot.
        var pods = conversations.Where(c => c.Placement == ClientPlacement.PodOnNode).ToList();
        AssertShare(0.25, pods.Count(c => c.Protocol == IpProtocol.Udp), pods.Count);
        Assert.All(conversations.Where(c => c.Placement != ClientPlacement.PodOnNode), c => Assert.Equal(IpProtocol.Tcp, c.Protocol));
    }

    [Fact]
    public void Next_Placement_ClientAddressInItsRangeAndPortEphemeral()
    {
        var conversations = Open(TrafficProfile.Default with { NewConnectionsPerSecond = 100 }, TimeSpan.FromSeconds(100));
        var external = Ipv4Prefix.Parse("203.0.113.0/24");

        Assert.All(conversations, c =>
        {
            Assert.InRange(c.ClientPort, 32768, 60999);
            var range = c.Placement switch
            {
                ClientPlacement.PodOnNode => Node.PodCidr,
                ClientPlacement.PodOnOtherNode => Node.ClusterCidr,
                _ => external,
            };
            Assert.True(range.Contains(c.Client), $"{c.Client} ({c.Placement}) is not in {range}");
            if (c.Placement == ClientPlacement.PodOnOtherNode)
            {
                Assert.False(Node.PodCidr.Contains(c.Client), $"{c.Client} is in this node's pod CIDR, not another node's");
                Assert.NotEqual(Node.Ip, c.Client);
            }
            // Neither the range's network nor its broadcast address.
            Assert.NotEqual(range.Network, c.Client);
            Assert.NotEqual(range.Network.Value | ~range.Mask, c.Client.Value);
            // Pods here reach ClusterIPs; pods elsewhere, a pod here (their node DNATed); external clients, NodePorts.
            Assert.Equal(c.Placement switch
            {
                ClientPlacement.PodOnNode => TargetKind.ClusterIp,
                ClientPlacement.PodOnOtherNode => TargetKind.LocalPod,
                _ => TargetKind.External,
            }, c.Target.Kind);
        });
        Assert.All(Enum.GetValues<ClientPlacement>(), p => Assert.Contains(conversations, c => c.Placement == p));
    }

    [Fact]
    public void Next_PodOnOtherNode_AddressesAReadyPodOfTheServiceOnThisNode()
    {
        // From the scenario's own EndpointSlices: the ready endpoints on node-1 (this node), with their service.
        var objects = ScenarioCatalog.Load("small");
        var local = objects.EndpointSlices
            .SelectMany(slice => (slice.Endpoints ?? []).Where(e => e.NodeName == Node.Name && e.Conditions?.Ready != false)
                .SelectMany(e => e.Addresses.SelectMany(a => (slice.Ports ?? []).Select(p =>
                    (Service: slice.Metadata.Labels["kubernetes.io/service-name"], Address: $"{a}:{p.Port}")))))
            .ToHashSet();
        var conversations = Open(TrafficProfile.Default with { NewConnectionsPerSecond = 100, PodOnNodeWeight = 0, ExternalWeight = 0 }, TimeSpan.FromSeconds(20));

        Assert.NotEmpty(conversations);
        Assert.All(conversations, c => Assert.Contains((c.Target.Service.ServiceName, $"{c.Target.Address}:{c.Target.Port}"), local));
    }

    [Fact]
    public void Constructor_NoPodOnThisNode_SaysPodsElsewhereSendNothing()
    {
        var targets = SmallTargets.Where(t => t.Kind != TargetKind.LocalPod).ToList();

        var generator = new TrafficGenerator(TrafficProfile.Default, targets, Node, 1);

        Assert.Contains(generator.Warnings, w => w.Contains("pods on other nodes send it nothing", StringComparison.Ordinal));
    }

    [Fact]
    public void Next_SameSeed_SameConversations()
    {
        static string Describe(Conversation c) => $"{c.Id} {c.Placement} {c.Client}:{c.ClientPort} {c.Target} {c.Steps[0].At.Ticks}";
        var profile = TrafficProfile.Default with { NewConnectionsPerSecond = 30 };

        Assert.Equal(Open(profile, TimeSpan.FromSeconds(60), 77).Select(Describe), Open(profile, TimeSpan.FromSeconds(60), 77).Select(Describe));
        Assert.NotEqual(Open(profile, TimeSpan.FromSeconds(60), 77).Select(Describe), Open(profile, TimeSpan.FromSeconds(60), 78).Select(Describe));
    }

    [Fact]
    public void Script_KeepAlive_HandshakeRequestsAndFinInOrder()
    {
        var profile = TrafficProfile.Default with { RequestsPerConnection = 2 };

        var tcp = Conversation.Script(IpProtocol.Tcp, ClientPlacement.PodOnNode, TimeSpan.FromSeconds(1), profile);
        var udp = Conversation.Script(IpProtocol.Udp, ClientPlacement.PodOnNode, TimeSpan.FromSeconds(1), profile);

        var psh = TcpFlags.Psh | TcpFlags.Ack;
        var fin = TcpFlags.Fin | TcpFlags.Ack;
        Assert.Equal(
            [(false, TcpFlags.Syn), (true, TcpFlags.Syn | TcpFlags.Ack), (false, TcpFlags.Ack), (false, psh), (true, psh), (false, psh), (true, psh), (false, fin), (true, fin), (false, TcpFlags.Ack)],
            tcp.Select(s => (s.FromServer, s.Flags)));
        Assert.Equal([false, true, false, true], udp.Select(s => s.FromServer));
        Assert.Equal(TimeSpan.FromSeconds(1), tcp[0].At);
        // The first request follows the handshake's last ACK at once; time never runs backwards.
        Assert.All(tcp.Zip(tcp.Skip(1)), pair => Assert.True(pair.First.At <= pair.Second.At));
        Assert.True(tcp[^1].At > tcp[0].At);
    }

    [Fact]
    public void Constructor_NoUdpOrExternalService_WarnsAndSendsOnlyWhatIsReachable()
    {
        var generated = TrafficTarget.Of(ScenarioCatalog.GenerateObjects(10, 1), Node);
        var generator = new TrafficGenerator(TrafficProfile.Default, generated, Node, 1);

        Assert.Contains(generator.Warnings, w => w.Contains("no UDP service port", StringComparison.Ordinal));
        Assert.Contains(generator.Warnings, w => w.Contains("external clients send nothing", StringComparison.Ordinal));
        for (var i = 0; i < 500; i++)
        {
            var c = generator.Next();
            Assert.NotEqual(ClientPlacement.External, c.Placement);
            Assert.Equal(IpProtocol.Tcp, c.Protocol);
        }
    }
}
