using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// fo (ip_vs_fo.c), weighted failover: every new connection goes to the available server with the highest weight
/// (the first one in the list on a tie); the others only take over when it is quiescent or overloaded.
/// </summary>
public sealed class Failover : IIpvsScheduler
{
    public string Name => "fo";

    public SchedulerDecision? Schedule(IReadOnlyList<RealServer> servers, ConnectionTuple connection)
    {
        RealServer? highest = null;
        // Starting from 0 with a strict > is what skips weight-0 servers and keeps the first of equals.
        var highestWeight = 0;
        foreach (var server in servers)
        {
            if (!server.Overloaded && server.Weight > highestWeight)
            {
                highest = server;
                highestWeight = server.Weight;
            }
        }

        return highest is null
            ? null
            : new SchedulerDecision(highest, new Explanation(ExplanationCode.Fo, highest, highestWeight));
    }

    public void UpdateServers(IReadOnlyList<RealServer> servers)
    {
        // fo keeps no state.
    }
}
