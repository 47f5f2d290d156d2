using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// wlc (ip_vs_wlc.c), ipvsadm's default: the available server with the lowest overhead per unit of weight,
/// (active x 257 + inactive) / weight. The kernel compares cross products instead of dividing, so a tie goes to the
/// earlier server.
/// </summary>
public sealed class WeightedLeastConnection : IIpvsScheduler
{
    public string Name => "wlc";

    public SchedulerDecision? Schedule(IReadOnlyList<RealServer> servers, ConnectionTuple connection)
    {
        var least = LeastLoaded(servers, server => server.Overhead);
        return least is null
            ? null
            : new SchedulerDecision(least, new Explanation(ExplanationCode.Wlc,
                least, least.ActiveConnections, least.InactiveConnections, least.Weight, Ratio(least.Overhead, least.Weight)));
    }

    public void UpdateServers(IReadOnlyList<RealServer> servers)
    {
        // wlc keeps no state.
    }

    /// <summary>
    /// The search wlc and sed share: the first available server seeds it, then any later server that is not
    /// overloaded replaces it when load/weight is strictly lower. A later weight-0 server never wins, because
    /// load x 0 is never greater than anything.
    /// </summary>
    internal static RealServer? LeastLoaded(IReadOnlyList<RealServer> servers, Func<RealServer, long> load)
    {
        var index = 0;
        while (index < servers.Count && (servers[index].Overloaded || servers[index].Weight <= 0))
        {
            index++;
        }
        if (index == servers.Count)
        {
            return null;
        }

        var least = servers[index];
        var leastLoad = load(least);
        for (index++; index < servers.Count; index++)
        {
            var server = servers[index];
            if (server.Overloaded)
            {
                continue;
            }
            var serverLoad = load(server);
            // leastLoad / least.Weight > serverLoad / server.Weight, without division (64-bit, as the kernel's
            // __s64 casts, so large counters cannot overflow).
            if (leastLoad * server.Weight > serverLoad * least.Weight)
            {
                least = server;
                leastLoad = serverLoad;
            }
        }
        return least;
    }

    internal static string Ratio(long load, int weight) =>
        load % weight == 0 ? (load / weight).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : ((double)load / weight).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}
