using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;

namespace Dashboard.Simulation.Tests.Ipvs.Tables;

/// <summary>A round robin small enough to reason about in a test, so these tests do not depend on the real schedulers.</summary>
internal sealed class FakeScheduler(string name = "rr") : IIpvsScheduler
{
    private int _next;

    public string Name { get; } = name;

    public int Updates { get; private set; }

    public SchedulerDecision? Schedule(IReadOnlyList<RealServer> servers, ConnectionTuple connection)
    {
        for (var tried = 0; tried < servers.Count; tried++)
        {
            var server = servers[(_next + tried) % servers.Count];
            if (server.Weight > 0 && !server.Overloaded)
            {
                _next = (_next + tried + 1) % servers.Count;
                // Worded as rr words its first pick: the tables under test only carry the reason.
                return new SchedulerDecision(server, new Explanation(ExplanationCode.RrFirst, server));
            }
        }
        return null;
    }

    public void UpdateServers(IReadOnlyList<RealServer> servers)
    {
        Updates++;
        _next = 0;
    }
}
