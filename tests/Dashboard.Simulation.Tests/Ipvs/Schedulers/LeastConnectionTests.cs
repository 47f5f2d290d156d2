using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Ipvs.Schedulers;
using static Dashboard.Simulation.Tests.Ipvs.Schedulers.SchedulerTestData;

namespace Dashboard.Simulation.Tests.Ipvs.Schedulers;

public class LeastConnectionTests
{
    private static RealServer[] Loaded(params (int Weight, int Active, int Inactive)[] load)
    {
        var servers = Servers([.. load.Select(l => l.Weight)]);
        for (var i = 0; i < servers.Length; i++)
        {
            servers[i].ActiveConnections = load[i].Active;
            servers[i].InactiveConnections = load[i].Inactive;
        }
        return servers;
    }

    /// <summary>
    /// ip_vs_dest_conn_overhead (include/net/ip_vs.h, Linux 6.1.192) is (activeconns &lt;&lt; 8) + totalconns, and
    /// totalconns counts the active connections too (ip_vs_bind_dest, ip_vs_conn.c): 257 x active + inactive.
    /// </summary>
    [Fact]
    public void Schedule_UnevenLoad_PicksTheLowestOverheadWhereOneActiveWeighs257Inactive()
    {
        // Overheads: 1 x 257 + 0 = 257, 0 x 257 + 300 = 300, 1 x 257 + 5 = 262.
        var servers = Loaded((1, 1, 0), (1, 0, 300), (1, 1, 5));

        var decision = new LeastConnection().Schedule(servers, AnyConnection)!;

        Assert.Same(servers[0], decision.Server);
        Assert.Equal("Lc(10.244.1.1:8080, 1, 0, 257)", decision.Why.ToString()); // overhead 1 x 257 + 0
    }

    /// <summary>Where 6.1.192 and older kernels differ: one active against 256 inactive is 257 to 256, not a tie.</summary>
    [Fact]
    public void Schedule_OneActiveAgainst256Inactive_TheInactiveServerAsIn6_1_192()
    {
        var servers = Loaded((1, 1, 0), (1, 0, 256));

        Assert.Same(servers[1], new LeastConnection().Schedule(servers, AnyConnection)!.Server);
    }

    [Fact]
    public void Schedule_DifferentWeights_IgnoresThemExceptZero()
    {
        var servers = Loaded((100, 0, 10), (1, 0, 5), (0, 0, 0));

        Assert.Same(servers[1], new LeastConnection().Schedule(servers, AnyConnection)!.Server);
    }

    [Fact]
    public void Schedule_Tie_PicksTheFirstInTheList()
    {
        var servers = Loaded((1, 2, 0), (1, 1, 0), (1, 1, 0));

        Assert.Same(servers[1], new LeastConnection().Schedule(servers, AnyConnection)!.Server);
    }

    [Fact]
    public void Schedule_IdleServerOverloaded_SkipsIt()
    {
        var servers = Loaded((1, 0, 0), (1, 3, 0));
        servers[0].Overloaded = true;

        Assert.Same(servers[1], new LeastConnection().Schedule(servers, AnyConnection)!.Server);
    }

    [Fact]
    public void Schedule_WeightedLeastConnection_DividesOverheadByWeight()
    {
        // 257 / 1 = 257 against 514 / 3 = 171.3: wlc picks the heavier server although lc would not.
        var servers = Loaded((1, 1, 0), (3, 2, 0));

        var decision = new WeightedLeastConnection().Schedule(servers, AnyConnection)!;

        Assert.Same(servers[1], decision.Server);
        Assert.Equal("Wlc(10.244.1.2:8080, 2, 0, 3, 171.33)", decision.Why.ToString()); // (2 x 257 + 0) / 3
        Assert.Same(servers[0], new LeastConnection().Schedule(servers, AnyConnection)!.Server);
    }

    [Fact]
    public void Schedule_WeightedLeastConnectionQuiescentIdleServer_IsNotPicked()
    {
        var servers = Loaded((0, 0, 0), (2, 4, 0), (0, 0, 0));

        Assert.Same(servers[1], new WeightedLeastConnection().Schedule(servers, AnyConnection)!.Server);
        Assert.Null(new WeightedLeastConnection().Schedule(Loaded((0, 0, 0)), AnyConnection));
    }

    [Fact]
    public void Schedule_ShortestExpectedDelay_CountsTheIncomingConnection()
    {
        // sed: (0 + 1) / 1 = 1 against (1 + 1) / 3 = 0.67, so the heavy, busier server wins;
        // wlc sees overhead 0 on the idle light server and picks it.
        var servers = Loaded((1, 0, 0), (3, 1, 0));

        var decision = new ShortestExpectedDelay().Schedule(servers, AnyConnection)!;

        Assert.Same(servers[1], decision.Server);
        Assert.Equal("Sed(10.244.1.2:8080, 1, 3, 0.67)", decision.Why.ToString()); // (1 + 1) / 3
        Assert.Same(servers[0], new WeightedLeastConnection().Schedule(servers, AnyConnection)!.Server);
    }

    [Fact]
    public void Schedule_ShortestExpectedDelay_IgnoresInactiveConnections()
    {
        var servers = Loaded((1, 1, 0), (1, 0, 1000));

        Assert.Same(servers[1], new ShortestExpectedDelay().Schedule(servers, AnyConnection)!.Server);
    }

    [Fact]
    public void Schedule_NeverQueue_PicksAnIdleServerFirstEvenIfLight()
    {
        // sed would pick the heavy server, (1 + 1) / 10 = 0.2 < (0 + 1) / 1; nq sends to the idle one at once.
        var servers = Loaded((10, 1, 0), (1, 0, 0));

        var decision = new NeverQueue().Schedule(servers, AnyConnection)!;

        Assert.Same(servers[1], decision.Server);
        Assert.Equal("NqIdle(10.244.1.2:8080)", decision.Why.ToString());
        Assert.Same(servers[0], new ShortestExpectedDelay().Schedule(servers, AnyConnection)!.Server);
    }

    [Fact]
    public void Schedule_NeverQueueNoIdleServer_FallsBackToExpectedDelay()
    {
        // (4 + 1) / 10 = 0.5 against (1 + 1) / 1 = 2; the idle server is quiescent and does not count.
        var servers = Loaded((10, 4, 0), (1, 1, 0), (0, 0, 0));

        var decision = new NeverQueue().Schedule(servers, AnyConnection)!;

        Assert.Same(servers[0], decision.Server);
        Assert.Equal("Nq(10.244.1.1:8080, 4, 10, 0.5)", decision.Why.ToString()); // no idle server; (4 + 1) / 10
    }
}
