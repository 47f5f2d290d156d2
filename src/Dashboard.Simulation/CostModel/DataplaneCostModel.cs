namespace Dashboard.Simulation.CostModel;

/// <summary>
/// The simulated CPU cost of each dataplane operation, in nanoseconds. MODELLED, not measured per packet:
/// latency = fixed cost per hook and lookup + rules walked x per-rule cost. The per-rule cost is the slope measured on
/// a real kernel here (iptables-nft in a network namespace, the service last in KUBE-SERVICES: connect() p50 89 us at
/// 1,000 services and 248 us at 10,000, i.e. about 17.7 ns per rule walked); the fixed costs are of the order a
/// hash lookup and a NAT rewrite take in the kernel. The scale work will calibrate them further.
/// </summary>
public sealed record DataplaneCostModel
{
    public double PerRuleNs { get; init; } = 17.7;
    public double HookNs { get; init; } = 20;
    public double ConntrackLookupNs { get; init; } = 60;
    public double ConntrackCreateNs { get; init; } = 250;
    public double RuleMatchNs { get; init; } = 17.7;
    public double NatNs { get; init; } = 150;
    public double RouteNs { get; init; } = 40;
    public double DeliverNs { get; init; } = 0;

    /// <summary>IPVS: one hash and a short chain walk, like conntrack's; the scheduler and the transmit (a route lookup and a rewrite).</summary>
    public double IpvsServiceLookupNs { get; init; } = 40;
    public double IpvsConnectionLookupNs { get; init; } = 60;
    public double IpvsScheduleNs { get; init; } = 100;
    public double IpvsTransmitNs { get; init; } = 150;

    public static DataplaneCostModel Default { get; } = new();
}
