namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>Creates an IPVS scheduler from the name ipvsadm -s (and kube-proxy's ipvs.scheduler setting) takes.</summary>
public static class SchedulerCatalog
{
    /// <summary>The schedulers the simulator implements, in the order ipvsadm's manual lists them.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = ["rr", "wrr", "lc", "wlc", "sed", "nq", "sh", "dh", "mh", "fo", "ovf"];

    /// <summary>kube-proxy's scheduler when its ipvs.scheduler setting is empty (round robin).</summary>
    public const string KubeProxyDefault = "rr";

    // Real kernel schedulers this simulator does not model: named so the error says so instead of "unknown".
    private static readonly string[] NotModelled = ["lblc", "lblcr", "twos"];

    /// <summary>
    /// A new scheduler for one virtual service. Names are matched exactly, as the kernel's scheduler lookup does.
    /// <paramref name="flags"/> are the sh/mh flags (ipvsadm -b); the other schedulers ignore them, as the kernel does.
    /// </summary>
    public static IIpvsScheduler Create(string name, HashingFlags flags = HashingFlags.None) => name switch
    {
        "rr" => new RoundRobin(),
        "wrr" => new WeightedRoundRobin(),
        "lc" => new LeastConnection(),
        "wlc" => new WeightedLeastConnection(),
        "sed" => new ShortestExpectedDelay(),
        "nq" => new NeverQueue(),
        "sh" => new SourceHashing(flags),
        "dh" => new DestinationHashing(),
        "mh" => new Maglev(flags),
        "fo" => new Failover(),
        "ovf" => new Overflow(),
        _ => throw new ArgumentException(Unknown(name), nameof(name)),
    };

    private static string Unknown(string? name)
    {
        var known = string.Join(", ", KnownNames);
        return NotModelled.Contains(name)
            ? $"IPVS scheduler '{name}' exists in the kernel but is not simulated; known schedulers: {known}"
            : $"Unknown IPVS scheduler '{name}'; known schedulers: {known}";
    }
}
