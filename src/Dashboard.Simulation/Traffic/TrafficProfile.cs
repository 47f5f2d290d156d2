namespace Dashboard.Simulation.Traffic;

/// <summary>Where a client sits relative to the node: a pod on it, a pod on another node, or outside the cluster.</summary>
public enum ClientPlacement
{
    /// <summary>A pod on this node: its packets come in on the pod's veth.</summary>
    PodOnNode,

    /// <summary>
    /// A pod on another node: its packets come in on eth0 from the cluster CIDR, addressed to a pod on this node, because
    /// its own node's kube-proxy already turned the ClusterIP into that pod (see <see cref="TargetKind.LocalPod"/>).
    /// </summary>
    PodOnOtherNode,

    /// <summary>A client outside the cluster reaching a NodePort (or an external or load-balancer IP) through eth0.</summary>
    External,
}

/// <summary>
/// The workload every pane shares: how often new connections open (a Poisson process), how many requests each carries
/// (keep-alive), the share of UDP, and where clients sit. Virtual-time figures, decided by the seed.
/// </summary>
public sealed record TrafficProfile
{
    public const double MinConnectionsPerSecond = 0.1;
    public const double MaxConnectionsPerSecond = 1000;
    public const int MaxRequestsPerConnection = 100;

    public double NewConnectionsPerSecond { get; init; } = 5;
    public int RequestsPerConnection { get; init; } = 3;

    /// <summary>The share of new connections that are UDP (0 to 1); the rest are TCP.</summary>
    public double UdpShare { get; init; } = 0.1;

    /// <summary>Relative weights of the three client placements (any non-negative numbers, not all zero).</summary>
    public double PodOnNodeWeight { get; init; } = 6;
    public double PodOnOtherNodeWeight { get; init; } = 3;
    public double ExternalWeight { get; init; } = 1;

    /// <summary>Think time between two requests on one keep-alive connection.</summary>
    public TimeSpan RequestInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Time a backend takes to answer a request.</summary>
    public TimeSpan ServerTime { get; init; } = TimeSpan.FromMilliseconds(1);

    public static TrafficProfile Default { get; } = new();

    /// <summary>What is wrong with this profile, in words a user can act on; empty when it is usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!(NewConnectionsPerSecond >= MinConnectionsPerSecond && NewConnectionsPerSecond <= MaxConnectionsPerSecond))
        {
            problems.Add($"new connections per second {NewConnectionsPerSecond} is outside {MinConnectionsPerSecond}-{MaxConnectionsPerSecond}");
        }
        if (RequestsPerConnection is < 1 or > MaxRequestsPerConnection)
        {
            problems.Add($"requests per connection {RequestsPerConnection} is outside 1-{MaxRequestsPerConnection}");
        }
        if (!(UdpShare >= 0 && UdpShare <= 1))
        {
            problems.Add($"UDP share {UdpShare} is outside 0-1");
        }
        double[] weights = [PodOnNodeWeight, PodOnOtherNodeWeight, ExternalWeight];
        if (weights.Any(w => !(w >= 0) || double.IsInfinity(w)) || weights.Sum() <= 0)
        {
            problems.Add("client placement weights must be non-negative and not all zero");
        }
        return problems;
    }
}
