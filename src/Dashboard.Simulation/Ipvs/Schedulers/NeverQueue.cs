using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// nq (ip_vs_nq.c): the first available server with no active connection takes the new one at once, however light
/// its weight; only when every server is busy does it fall back to sed's (active + 1) / weight.
/// </summary>
public sealed class NeverQueue : IIpvsScheduler
{
    public string Name => "nq";

    public SchedulerDecision? Schedule(IReadOnlyList<RealServer> servers, ConnectionTuple connection)
    {
        RealServer? least = null;
        long leastLoad = 0;
        foreach (var server in servers)
        {
            if (server.Overloaded || server.Weight == 0)
            {
                continue;
            }
            if (server.ActiveConnections == 0)
            {
                return new SchedulerDecision(server, new Explanation(ExplanationCode.NqIdle, server));
            }
            var load = ShortestExpectedDelay.ExpectedLoad(server);
            if (least is null || leastLoad * server.Weight > load * least.Weight)
            {
                least = server;
                leastLoad = load;
            }
        }

        return least is null
            ? null
            : new SchedulerDecision(least, new Explanation(ExplanationCode.Nq,
                least, least.ActiveConnections, least.Weight, WeightedLeastConnection.Ratio(leastLoad, least.Weight)));
    }

    public void UpdateServers(IReadOnlyList<RealServer> servers)
    {
        // nq keeps no state.
    }
}
