using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// ovf (ip_vs_ovf.c): the weight is a connection budget. New connections go to the highest-weight server whose active
/// connections do not exceed its weight; once it has more, the next-heaviest takes the overflow. Inactive connections
/// (all of UDP) do not count.
/// </summary>
public sealed class Overflow : IIpvsScheduler
{
    public string Name => "ovf";

    public SchedulerDecision? Schedule(IReadOnlyList<RealServer> servers, ConnectionTuple connection)
    {
        RealServer? highest = null;
        foreach (var server in servers)
        {
            // The kernel skips a server only when active > weight, so a server AT its weight still takes one more:
            // a weight-w server ends up with w + 1 active connections before the overflow starts.
            if (server.Overloaded || server.Weight == 0 || server.ActiveConnections > server.Weight)
            {
                continue;
            }
            if (highest is null || server.Weight > highest.Weight)
            {
                highest = server;
            }
        }

        return highest is null
            ? null
            : new SchedulerDecision(highest,
                new Explanation(ExplanationCode.Ovf, highest, highest.Weight, LeastConnection.ActiveConnections(highest.ActiveConnections)));
    }

    public void UpdateServers(IReadOnlyList<RealServer> servers)
    {
        // ovf keeps no state.
    }
}
