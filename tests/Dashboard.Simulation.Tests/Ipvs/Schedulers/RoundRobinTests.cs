using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Ipvs.Schedulers;
using static Dashboard.Simulation.Tests.Ipvs.Schedulers.SchedulerTestData;

namespace Dashboard.Simulation.Tests.Ipvs.Schedulers;

public class RoundRobinTests
{
    [Fact]
    public void Schedule_ThreeServers_CyclesInListOrder()
    {
        var servers = Servers(1, 1, 1);

        Assert.Equal([1, 2, 3, 1, 2, 3, 1], Picks(new RoundRobin(), servers, 7));
    }

    [Fact]
    public void Schedule_WeightZeroServer_IsSkippedAndNamedInTheReason()
    {
        var servers = Servers(1, 0, 1);
        var scheduler = new RoundRobin();
        scheduler.Schedule(servers, AnyConnection);

        var decision = scheduler.Schedule(servers, AnyConnection)!;

        Assert.Same(servers[2], decision.Server);
        Assert.Equal("RrSkipped(RrNext(10.244.1.1:8080, 10.244.1.3:8080), [ServerQuiescent(10.244.1.2:8080)])", decision.Why.ToString());
        Assert.Equal([1, 3, 1, 3], Picks(scheduler, servers, 4));
    }

    [Fact]
    public void Schedule_OverloadedServer_IsSkipped()
    {
        var servers = Servers(1, 1, 1);
        servers[0].Overloaded = true;

        Assert.Equal([2, 3, 2, 3], Picks(new RoundRobin(), servers, 4));
    }

    [Fact]
    public void Schedule_NoServerAvailable_ReturnsNull()
    {
        var servers = Servers(0, 1);
        servers[1].Overloaded = true;

        Assert.Null(new RoundRobin().Schedule(servers, AnyConnection));
        Assert.Null(new RoundRobin().Schedule([], AnyConnection));
    }

    [Fact]
    public void Schedule_OnlyOneAvailable_PicksItEveryTime()
    {
        var servers = Servers(0, 1, 0);

        Assert.Equal([2, 2, 2], Picks(new RoundRobin(), servers, 3));
    }

    [Fact]
    public void UpdateServers_CurrentServerRemoved_ContinuesWithItsSuccessor()
    {
        // ip_vs_rr_del_dest moves the position to the removed server's predecessor, so its successor comes next.
        var servers = Servers(1, 1, 1, 1);
        var scheduler = new RoundRobin();
        Assert.Equal([1, 2], Picks(scheduler, servers, 2));

        RealServer[] remaining = [servers[0], servers[2], servers[3]];
        scheduler.UpdateServers(remaining);

        Assert.Equal([3, 4, 1], Picks(scheduler, remaining, 3));
    }
}
