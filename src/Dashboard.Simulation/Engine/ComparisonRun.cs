using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;
using Dashboard.Simulation.Traffic;

namespace Dashboard.Simulation.Engine;

/// <summary>
/// Which dataplane a pane runs and, in IPVS mode, the scheduler, the forwarding method, the connection table's size
/// and the real servers' weights (null: kube-proxy's, all 1; see <see cref="RealServerWeights"/>).
/// </summary>
public sealed record LaneOptions(
    string Mode,
    string Scheduler = SchedulerCatalog.KubeProxyDefault,
    ForwardingMethod Forwarding = IpvsDirector.KubeProxyMethod,
    int ConnTabBits = ConnectionTable.DefaultTableBits,
    IReadOnlyList<int>? Weights = null)
{
    /// <summary>Every mode the engine can run, in the order panes show them.</summary>
    public static IReadOnlyList<string> Modes { get; } = ["iptables", "ipvs"];
}

/// <summary>One packet of the shared traffic and what each pane's dataplane did with it (null: that pane's connection had already ended).</summary>
public sealed record SimulatedPacket(long Id, Conversation Conversation, int Step, TimeSpan At, bool FromServer, TcpFlags Flags, IReadOnlyList<PacketResult?> Lanes)
{
    /// <summary>The connection's first packet: the one that walks the nat table or meets the IPVS scheduler.</summary>
    public bool OpensConnection => Step == 0;
}

/// <summary>
/// The same traffic through several dataplanes side by side: one <see cref="TrafficGenerator"/> opens conversations,
/// and each packet of each conversation is walked through every lane's node. Client packets are identical in every
/// lane; a server's answer goes from the backend that lane picked back to the address the client's packet left with
/// (after DNAT and any masquerade), so each lane's conntrack and IPVS tables see a consistent conversation.
/// </summary>
public sealed class ComparisonRun
{
    private readonly TrafficGenerator _generator;
    private readonly PriorityQueue<(Conversation Conversation, int Step), (TimeSpan At, long Order)> _pending = new();
    private long _order;
    private long _nextPacketId = 1;

    public ComparisonRun(ClusterObjects objects, NodeSettings node, IReadOnlyList<LaneOptions> lanes, TrafficProfile profile, long seed)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentOutOfRangeException.ThrowIfZero(lanes.Count);
        if (profile.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException("traffic: " + string.Join("; ", problems), nameof(profile));
        }
        Node = node;
        Lanes = [.. lanes.Select(options => DataplaneLane.Build(objects, node, options, seed))];

        var warnings = new List<string>(objects.Warnings);
        var targets = TrafficTarget.Of(objects, node);
        // DR and TUN cannot reach every service; rather than let one pane fail where the others succeed, the traffic
        // leaves those services out for every pane and says which.
        var unreachable = new HashSet<TrafficTarget>();
        foreach (var lane in Lanes.Where(l => l.Dataplane.Ipvs is not null && l.Options.Forwarding != ForwardingMethod.Masquerade))
        {
            foreach (var target in targets)
            {
                if (lane.Dataplane.Ipvs!.Services.Lookup(target.Protocol, target.Address, target.Port).Service is { } service &&
                    IpvsTopology.Problems(service, lane.Options.Forwarding, node.PodCidr).FirstOrDefault() is { } problem && unreachable.Add(target))
                {
                    warnings.Add($"{target.Service.Name} at {target.Address}:{target.Port} is left out of the traffic: {problem.Message}");
                }
            }
        }
        _generator = new TrafficGenerator(profile, [.. targets.Where(t => !unreachable.Contains(t))], node, seed);
        warnings.AddRange(_generator.Warnings);
        Warnings = warnings;
    }

    public NodeSettings Node { get; }
    public IReadOnlyList<DataplaneLane> Lanes { get; }

    /// <summary>What the input or the traffic cannot do as asked (objects' warnings, services left out, missing protocols).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The virtual clock: every packet up to this time has been simulated.</summary>
    public TimeSpan Now { get; private set; }

    /// <summary>Packets of the shared traffic simulated so far (each walked once per lane).</summary>
    public long PacketsSimulated => _nextPacketId - 1;

    /// <summary>
    /// Simulates every packet due up to <paramref name="until"/>, at most <paramref name="maxPackets"/> of them; when
    /// that limit cuts the interval short, the clock stops at the last packet simulated rather than skipping traffic.
    /// Expired conntrack and IPVS entries are then removed, as the kernel's timers would have.
    /// </summary>
    public IReadOnlyList<SimulatedPacket> AdvanceTo(TimeSpan until, int maxPackets)
    {
        var packets = new List<SimulatedPacket>();
        while (packets.Count < maxPackets && Next(until) is { } packet)
        {
            packets.Add(packet);
        }
        if (packets.Count < maxPackets && until > Now)
        {
            Now = until;
        }
        Expire();
        return packets;
    }

    /// <summary>
    /// Simulates the next packet of the traffic, however far ahead it is, and moves the clock to it; null when the
    /// traffic has no packets (no service the clients can reach).
    /// </summary>
    public SimulatedPacket? Step()
    {
        var packet = Next(TimeSpan.MaxValue);
        Expire();
        return packet;
    }

    private void Expire()
    {
        foreach (var lane in Lanes)
        {
            lane.Dataplane.Conntrack.Expire(Now);
            lane.Dataplane.Ipvs?.Connections.Advance(Now);
        }
    }

    private SimulatedPacket? Next(TimeSpan until)
    {
        // NextStart is MaxValue when the generator has nothing to open: even an unbounded step must not ask it.
        while (_generator.NextStart <= until && _generator.NextStart != TimeSpan.MaxValue &&
               (_pending.Count == 0 || _pending.TryPeek(out _, out var first) && _generator.NextStart <= first.At))
        {
            var conversation = _generator.Next();
            _pending.Enqueue((conversation, 0), (conversation.Steps[0].At, _order++));
        }
        if (!_pending.TryPeek(out _, out var due) || due.At > until)
        {
            return null;
        }
        var (c, stepIndex) = _pending.Dequeue();
        var step = c.Steps[stepIndex];
        if (stepIndex + 1 < c.Steps.Count)
        {
            _pending.Enqueue((c, stepIndex + 1), (c.Steps[stepIndex + 1].At, _order++));
        }
        Now = step.At;
        var results = new PacketResult?[Lanes.Count];
        for (var i = 0; i < Lanes.Count; i++)
        {
            results[i] = Lanes[i].Carry(c, stepIndex, step);
        }
        return new SimulatedPacket(_nextPacketId++, c, stepIndex, step.At, step.FromServer, step.Flags, results);
    }
}
