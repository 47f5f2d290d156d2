using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.Packets;
using static Dashboard.Simulation.Tests.Ipvs.Schedulers.SchedulerTestData;

namespace Dashboard.Simulation.Tests.Ipvs.Schedulers;

public class WeightedRoundRobinTests
{
    [Fact]
    public void Schedule_Weights432_RepeatsTheKernelNinePickCycle()
    {
        // Weights A=4, B=3, C=2: gcd di = 1, mw = 4 - (di - 1) = 4, and cw starts at mw with the position at the head.
        //   cw 4: A (4>=4); B, C too light; past the end -> cw 3
        //   cw 3: A, B; C too light -> cw 2
        //   cw 2: A, B, C -> cw 1
        //   cw 1: A, B, C -> cw 0 <= 0 wraps to mw 4, and the cycle repeats.
        // So one cycle is A A B A B C A B C: 9 picks, counts 4, 3, 2.
        var servers = Servers(4, 3, 2);

        var picks = Picks(new WeightedRoundRobin(), servers, 27);

        int[] cycle = [1, 1, 2, 1, 2, 3, 1, 2, 3];
        Assert.Equal([.. cycle, .. cycle, .. cycle], picks);
        Assert.Equal([4, 3, 2], [.. Enumerable.Range(1, 3).Select(server => cycle.Count(pick => pick == server))]);
        // The heaviest server leads each pass but never gets three connections in a row, even across cycles.
        Assert.DoesNotContain(Enumerable.Range(0, picks.Length - 2), i => picks[i] == 1 && picks[i + 1] == 1 && picks[i + 2] == 1);
    }

    /// <summary>
    /// A service built as kube-proxy builds it, one real server per netlink call: A (4), then B (3), then C (2). Each
    /// is linked at the list's head (__ip_vs_update_dest, ip_vs_ctl.c), so the list is C, B, A, and each add runs
    /// ip_vs_wrr_dest_changed (ip_vs_wrr.c), which keeps cw unless it is 0 or above the new mw: the service starts with
    /// cw 0 -> A's add sets it to mw = 4 - (4 - 1) = 1 (di is 4 with A alone), and B's and C's adds leave it at 1.
    /// Worked through ip_vs_wrr_schedule from the head: cw 1 takes C, B, A; the wrap drops cw to 0, so mw 4: A; then
    /// cw 3: B, A; cw 2: C, B, A; cw 1: C, B, A; and the 9-pick cycle A B A C B A C B A repeats from there.
    /// </summary>
    [Fact]
    public void Schedule_ServersAddedOneByOne_TheKernelsListAndCurrentWeight()
    {
        var service = new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new WeightedRoundRobin());
        service.AddServer(Ipv4Address.Parse("10.244.1.1"), 8080, weight: 4);
        service.AddServer(Ipv4Address.Parse("10.244.1.2"), 8080, weight: 3);
        service.AddServer(Ipv4Address.Parse("10.244.1.3"), 8080, weight: 2);

        var picks = Enumerable.Range(0, 12).Select(_ => (int)(service.Scheduler.Schedule(service.Servers, AnyConnection)!.Server.Address.Value & 0xFF));

        Assert.Equal([3, 2, 1, 1, 2, 1, 3, 2, 1, 3, 2, 1], picks);
    }

    [Fact]
    public void Schedule_FirstPick_ReasonShowsCurrentWeightMaxAndGcd()
    {
        var servers = Servers(4, 3, 2);

        var decision = new WeightedRoundRobin().Schedule(servers, AnyConnection)!;

        Assert.Equal("Wrr(10.244.1.1:8080, 4, 4, 1)", decision.Why.ToString()); // current weight, max, gcd
    }

    [Fact]
    public void Schedule_WeightsWithCommonDivisor_StepsByTheGcd()
    {
        // Weights 4 and 2: di = 2, mw = 4 - 1 = 3, so the passes run at cw 3 (A only) and cw 1 (A and B): A A B.
        var servers = Servers(4, 2);
        var scheduler = new WeightedRoundRobin();

        var first = scheduler.Schedule(servers, AnyConnection)!;

        Assert.Equal("Wrr(10.244.1.1:8080, 3, 4, 2)", first.Why.ToString()); // current weight, max, gcd
        Assert.Equal([1, 2, 1, 1, 2], Picks(scheduler, servers, 5));
    }

    [Fact]
    public void Schedule_QuiescentServer_IsNeverPicked()
    {
        // Weights 2, 0, 1: mw 2 -> A; cw 1 -> A, C (B's weight 0 never reaches cw >= 1).
        var servers = Servers(2, 0, 1);

        Assert.Equal([1, 1, 3, 1, 1, 3], Picks(new WeightedRoundRobin(), servers, 6));
    }

    [Fact]
    public void Schedule_AllOverloaded_ReturnsNullInsteadOfLooping()
    {
        var servers = Servers(3, 2, 1);
        var scheduler = new WeightedRoundRobin();
        scheduler.Schedule(servers, AnyConnection);
        foreach (var server in servers)
        {
            server.Overloaded = true;
        }

        Assert.Null(scheduler.Schedule(servers, AnyConnection));
    }

    [Fact]
    public void Schedule_AllWeightsZero_ReturnsNull()
    {
        Assert.Null(new WeightedRoundRobin().Schedule(Servers(0, 0), AnyConnection));
    }

    [Fact]
    public void Schedule_WeightChanged_RestartsFromTheHeadWithTheNewMaximum()
    {
        var servers = Servers(1, 1);
        var scheduler = new WeightedRoundRobin();
        Assert.Equal([1, 2, 1], Picks(scheduler, servers, 3));

        // upd_dest: position back to the head; cw 1 is below the new mw 3, and di is 1, so cw stays 1 this pass.
        servers[1].Weight = 3;

        Assert.Equal([1, 2, 2, 2, 1, 2], Picks(scheduler, servers, 6));
    }
}
