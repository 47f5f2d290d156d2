using Dashboard.Simulation.Ipvs.Schedulers;

namespace Dashboard.Simulation.Tests.Ipvs.Schedulers;

public class SchedulerCatalogTests
{
    [Theory]
    [InlineData("rr", typeof(RoundRobin))]
    [InlineData("wrr", typeof(WeightedRoundRobin))]
    [InlineData("lc", typeof(LeastConnection))]
    [InlineData("wlc", typeof(WeightedLeastConnection))]
    [InlineData("sed", typeof(ShortestExpectedDelay))]
    [InlineData("nq", typeof(NeverQueue))]
    [InlineData("sh", typeof(SourceHashing))]
    [InlineData("dh", typeof(DestinationHashing))]
    [InlineData("mh", typeof(Maglev))]
    [InlineData("fo", typeof(Failover))]
    [InlineData("ovf", typeof(Overflow))]
    public void Create_KnownName_ReturnsThatScheduler(string name, Type type)
    {
        var scheduler = SchedulerCatalog.Create(name);

        Assert.IsType(type, scheduler);
        Assert.Equal(name, scheduler.Name);
    }

    [Fact]
    public void Create_UnknownName_ThrowsListingTheKnownNames()
    {
        var error = Assert.Throws<ArgumentException>(() => SchedulerCatalog.Create("roundrobin"));

        Assert.StartsWith("Unknown IPVS scheduler 'roundrobin'; known schedulers: rr, wrr, lc, wlc, sed, nq, sh, dh, mh, fo, ovf", error.Message);
        Assert.Equal("name", error.ParamName);
    }

    [Fact]
    public void Create_KernelSchedulerNotSimulated_SaysSo()
    {
        var error = Assert.Throws<ArgumentException>(() => SchedulerCatalog.Create("lblc"));

        Assert.StartsWith("IPVS scheduler 'lblc' exists in the kernel but is not simulated; known schedulers: rr,", error.Message);
    }

    [Fact]
    public void Create_HashingFlags_ReachShAndMh()
    {
        var sh = Assert.IsType<SourceHashing>(SchedulerCatalog.Create("sh", HashingFlags.Fallback | HashingFlags.Port));
        var mh = Assert.IsType<Maglev>(SchedulerCatalog.Create("mh", HashingFlags.Fallback));

        Assert.Equal(HashingFlags.Fallback | HashingFlags.Port, sh.Flags);
        Assert.Equal(HashingFlags.Fallback, mh.Flags);
    }
}
