using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// rr (ip_vs_rr.c), kube-proxy's default: each new connection goes to the next real server in the list after the
/// previous pick, skipping quiescent (weight 0) and overloaded servers.
/// </summary>
public sealed class RoundRobin : IIpvsScheduler
{
    // rr reads no weights into its state (it has no upd_dest hook), so only membership and order matter.
    private readonly DestinationList _list = new(trackWeights: false);

    // The kernel keeps a pointer into the destination list (sched_data); null plays the role of the list head.
    private RealServer? _last;

    public string Name => "rr";

    public SchedulerDecision? Schedule(IReadOnlyList<RealServer> servers, ConnectionTuple connection)
    {
        if (!_list.Matches(servers))
        {
            UpdateServers(servers);
        }

        var count = servers.Count;
        var lastIndex = _last is null ? -1 : IndexOf(servers, _last);
        // From the head the kernel walks the list once; from a server it walks all the others and that server
        // last, so a single eligible server is picked again.
        var start = lastIndex + 1;
        List<Explanation>? skipped = null;
        for (var step = 0; step < count; step++)
        {
            var server = servers[(start + step) % count];
            if (!server.Overloaded && server.Weight > 0)
            {
                var previous = _last;
                _last = server;
                var reason = previous is null
                    ? new Explanation(ExplanationCode.RrFirst, server)
                    : new Explanation(ExplanationCode.RrNext, previous, server);
                if (skipped is not null)
                {
                    reason = new Explanation(ExplanationCode.RrSkipped, reason, skipped);
                }
                return new SchedulerDecision(server, reason);
            }
            (skipped ??= []).Add(new Explanation(server.Overloaded ? ExplanationCode.ServerOverloaded : ExplanationCode.ServerQuiescent, server));
        }

        // The kernel leaves its position where it was when nothing is available.
        return null;
    }

    public void UpdateServers(IReadOnlyList<RealServer> servers)
    {
        if (_last is not null && IndexOf(servers, _last) < 0)
        {
            // ip_vs_rr_del_dest: when the current server leaves, the position moves to the entry before it, so the
            // next pick is the server that followed it. Several removals at once act as removals one by one: the
            // nearest earlier survivor, or the head when none is left before it.
            var old = _list.Servers;
            var at = IndexOf(old, _last);
            RealServer? survivor = null;
            for (var i = at - 1; i >= 0; i--)
            {
                if (IndexOf(servers, old[i]) >= 0)
                {
                    survivor = old[i];
                    break;
                }
            }
            _last = survivor;
        }
        _list.Record(servers);
    }

    private static int IndexOf(IReadOnlyList<RealServer> servers, RealServer server)
    {
        for (var i = 0; i < servers.Count; i++)
        {
            if (ReferenceEquals(servers[i], server))
            {
                return i;
            }
        }
        return -1;
    }
}
