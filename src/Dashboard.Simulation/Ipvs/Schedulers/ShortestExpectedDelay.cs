using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// sed (ip_vs_sed.c): the server where a new connection expects the shortest delay, (active + 1) / weight. Unlike
/// wlc it counts the incoming connection and ignores inactive ones, so a heavy server wins until it is really busier.
/// </summary>
public sealed class ShortestExpectedDelay : IIpvsScheduler
{
    public string Name => "sed";

    public SchedulerDecision? Schedule(IReadOnlyList<RealServer> servers, ConnectionTuple connection)
    {
        var least = WeightedLeastConnection.LeastLoaded(servers, ExpectedLoad);
        return least is null
            ? null
            : new SchedulerDecision(least, new Explanation(ExplanationCode.Sed,
                least, least.ActiveConnections, least.Weight, WeightedLeastConnection.Ratio(ExpectedLoad(least), least.Weight)));
    }

    public void UpdateServers(IReadOnlyList<RealServer> servers)
    {
        // sed keeps no state.
    }

    /// <summary>The kernel's ip_vs_sed_dest_overhead: only active connections, plus the one being scheduled.</summary>
    internal static long ExpectedLoad(RealServer server) => (long)server.ActiveConnections + 1;
}
