using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs.Schedulers;
using static Dashboard.Simulation.Tests.Ipvs.Schedulers.SchedulerTestData;

namespace Dashboard.Simulation.Tests.Ipvs.Schedulers;

public class FailoverAndOverflowTests
{
    [Fact]
    public void Schedule_Failover_SendsEverythingToTheHighestWeight()
    {
        var servers = Servers(2, 5, 3);
        servers[1].ActiveConnections = 1000;

        var decision = new Failover().Schedule(servers, AnyConnection)!;

        Assert.Same(servers[1], decision.Server);
        Assert.Equal("Fo(10.244.1.2:8080, 5)", decision.Why.ToString());
    }

    [Fact]
    public void Schedule_FailoverTie_KeepsTheFirstFound()
    {
        var servers = Servers(3, 5, 5);

        Assert.Same(servers[1], new Failover().Schedule(servers, AnyConnection)!.Server);
    }

    [Fact]
    public void Schedule_FailoverPrimaryOverloadedOrQuiescent_FailsOverToTheNextHeaviest()
    {
        var servers = Servers(2, 5, 3);
        servers[1].Overloaded = true;
        var scheduler = new Failover();
        Assert.Same(servers[2], scheduler.Schedule(servers, AnyConnection)!.Server);

        servers[1].Overloaded = false;
        servers[1].Weight = 0;
        Assert.Same(servers[2], scheduler.Schedule(servers, AnyConnection)!.Server);
        Assert.Null(scheduler.Schedule(Servers(0, 0), AnyConnection));
    }

    [Fact]
    public void Schedule_Overflow_FillsTheHeaviestUntilActiveExceedsItsWeight()
    {
        // The kernel skips a server only when active > weight, so weight 2 takes a third connection (active 2 -> 3)
        // before the overflow goes to the next-heaviest server.
        var servers = Servers(1, 2);
        var scheduler = new Overflow();
        var picks = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            var decision = scheduler.Schedule(servers, AnyConnection);
            if (decision is null)
            {
                break;
            }
            decision.Server.ActiveConnections++;
            picks.Add((int)(decision.Server.Address.Value & 0xFF));
        }

        Assert.Equal([2, 2, 2, 1, 1], picks);
    }

    [Fact]
    public void Schedule_Overflow_ReasonAndInactiveConnectionsIgnored()
    {
        var servers = Servers(3, 1);
        servers[0].ActiveConnections = 3;
        servers[0].InactiveConnections = 500;

        var decision = new Overflow().Schedule(servers, AnyConnection)!;

        Assert.Same(servers[0], decision.Server);
        Assert.Equal("Ovf(10.244.1.1:8080, 3, ActiveConnections(3))", decision.Why.ToString());
    }

    [Fact]
    public void Schedule_OverflowTieAndQuiescent_FirstEligibleOfTheHighestWeight()
    {
        var servers = Servers(0, 4, 4);
        servers[1].ActiveConnections = 5;

        Assert.Same(servers[2], new Overflow().Schedule(servers, AnyConnection)!.Server);
        servers[1].ActiveConnections = 0;
        Assert.Same(servers[1], new Overflow().Schedule(servers, AnyConnection)!.Server);
    }
}
