using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Traffic;

namespace Dashboard.Web.Rooms;

/// <summary>
/// Everything that decides what a room simulates, as the compare page's controls and its URL hold it: the cluster
/// (a built-in scenario, a generated one of N services, or pasted YAML), the modes, the traffic, IPVS's scheduler and
/// forwarding method (and, to teach the weighted schedulers, real-server weights), the seed and the speed of virtual
/// time. The same settings give the same packets.
/// </summary>
public sealed record RoomSettings
{
    public const double MinSpeed = 0.01;
    public const double MaxSpeed = 1000;
    public const int MinGeneratedServices = 10;
    public const int MaxGeneratedServices = Simulation.Kubernetes.InputLimits.MaxServices;

    /// <summary>A built-in scenario's name; ignored when <see cref="GeneratedServices"/> or <see cref="PastedObjects"/> is set.</summary>
    public string Scenario { get; init; } = "small";

    /// <summary>A generated cluster of this many services (10 to 50,000), 3 endpoints each; 0 for none.</summary>
    public int GeneratedServices { get; init; }

    /// <summary>Pasted `kubectl get svc,endpointslices -A -o yaml` (or -o json) text; null for none.</summary>
    public string? PastedObjects { get; init; }

    /// <summary>The node kube-proxy runs on: which endpoints are local, the NodePorts' address, what is masqueraded.</summary>
    public NodeSettings Node { get; init; } = NodeSettings.Default;

    /// <summary>The panes, in order: modes from <see cref="LaneOptions.Modes"/>.</summary>
    public IReadOnlyList<string> Modes { get; init; } = LaneOptions.Modes;

    public TrafficProfile Traffic { get; init; } = TrafficProfile.Default;

    public string Scheduler { get; init; } = SchedulerCatalog.KubeProxyDefault;

    /// <summary>nat, dr or tun (kube-proxy itself only uses nat).</summary>
    public string Forwarding { get; init; } = IpvsDirector.MethodName(IpvsDirector.KubeProxyMethod);

    /// <summary>IPVS real-server weights dealt to each service's servers (see RealServerWeights); null: kube-proxy's, all 1.</summary>
    public IReadOnlyList<int>? Weights { get; init; }

    public long Seed { get; init; } = 1;

    /// <summary>Virtual seconds per real second, from slow motion (0.01) to 1000x.</summary>
    public double Speed { get; init; } = 1;

    public static RoomSettings Default { get; } = new();

    /// <summary>Only the speed differs: the room keeps running rather than starting over.</summary>
    public bool SameSimulation(RoomSettings other) => (this with { Speed = 1 }).Equals(other with { Speed = 1 });

    public bool Equals(RoomSettings? other) =>
        other is not null && Scenario == other.Scenario && GeneratedServices == other.GeneratedServices &&
        PastedObjects == other.PastedObjects && Node == other.Node && Modes.SequenceEqual(other.Modes) && Traffic == other.Traffic &&
        Scheduler == other.Scheduler && Forwarding == other.Forwarding &&
        (Weights ?? []).SequenceEqual(other.Weights ?? []) && Seed == other.Seed && Speed.Equals(other.Speed);

    public override int GetHashCode() => HashCode.Combine(Scenario, GeneratedServices, PastedObjects?.Length, Traffic, Scheduler, Forwarding, Seed, Speed);
}
