using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Ipvs;

/// <summary>A scheduler's pick for a new connection, and why, as a learner reads it ("lc: 10.244.1.3 has 1 active connection, the fewest").</summary>
public sealed record SchedulerDecision(RealServer Server, Explanation Why);

/// <summary>
/// An IPVS scheduling algorithm (ip_vs_sched): picks the real server for a connection's first packet. Schedulers keep
/// state (rr's position, wrr's current weight, mh's lookup table) that <see cref="UpdateServers"/> rebuilds whenever
/// the real servers or their weights change, as the kernel's update_service hook does.
/// </summary>
public interface IIpvsScheduler
{
    /// <summary>The name ipvsadm shows: rr, wrr, lc, wlc, sed, nq, sh, dh, mh, fo, ovf...</summary>
    string Name { get; }

    /// <summary>Null when no server can take the connection (all quiescent, overloaded or none): IPVS then drops it.</summary>
    SchedulerDecision? Schedule(IReadOnlyList<RealServer> servers, ConnectionTuple connection);

    void UpdateServers(IReadOnlyList<RealServer> servers);

    /// <summary>
    /// Whether the state after several changes depends on seeing each one (wrr's cw survives a dest_changed unless it
    /// is 0 or above the new maximum), rather than only on the list it ends with (mh, sh and dh deal their slots
    /// again; rr's position follows removals by itself).
    /// </summary>
    bool SeesEveryChange => false;
}
