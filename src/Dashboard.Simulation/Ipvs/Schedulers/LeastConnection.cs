using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// lc (ip_vs_lc.c): the available server with the lowest overhead, active connections x 257 + inactive ones (Linux 6.1.192's ip_vs_dest_conn_overhead);
/// the first such server in the list wins a tie. Weights only matter as 0 = quiescent.
/// </summary>
public sealed class LeastConnection : IIpvsScheduler
{
    public string Name => "lc";

    public SchedulerDecision? Schedule(IReadOnlyList<RealServer> servers, ConnectionTuple connection)
    {
        RealServer? least = null;
        foreach (var server in servers)
        {
            if (server.Overloaded || server.Weight == 0)
            {
                continue;
            }
            // Strictly fewer: on a tie the earlier server keeps the pick, as in the kernel.
            if (least is null || server.Overhead < least.Overhead)
            {
                least = server;
            }
        }

        return least is null
            ? null
            : new SchedulerDecision(least, new Explanation(least.InactiveConnections == 1 ? ExplanationCode.LcOneInactive : ExplanationCode.Lc,
                least, least.ActiveConnections, least.InactiveConnections, least.Overhead));
    }

    public void UpdateServers(IReadOnlyList<RealServer> servers)
    {
        // lc keeps no state: it looks at the counters on every new connection.
    }

    internal static Explanation ActiveConnections(int count) =>
        new(count == 1 ? ExplanationCode.ActiveConnection : ExplanationCode.ActiveConnections, count);
}
