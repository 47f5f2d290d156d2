using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Scenarios;
using static Dashboard.Simulation.Tests.Ipvs.Schedulers.SchedulerTestData;

namespace Dashboard.Simulation.Tests.Ipvs;

public class RealServerWeightsTests
{
    [Fact]
    public void Build_WithoutWeights_EveryRealServerHasKubeProxysWeightOne()
    {
        var node = NodeIpvs.Build(ScenarioCatalog.Load("small"), NodeSettings.Default, "wrr");

        Assert.All(node.Services.Services.SelectMany(s => s.Servers), server => Assert.Equal(1, server.Weight));
    }

    [Fact]
    public void Build_Weights31_DealtToEachServicesServersInTheOrderTheyAreAdded()
    {
        var node = NodeIpvs.Build(ScenarioCatalog.Load("small"), NodeSettings.Default, "wrr", weights: [3, 1]);

        var services = node.Services.Services.Where(s => s.Servers.Count >= 2).ToList();
        Assert.NotEmpty(services);
        // The kernel links each added server at the list's head, so the list read from its end is the order of adding.
        Assert.All(services, service => Assert.Equal(
            Enumerable.Range(0, service.Servers.Count).Select(i => i % 2 == 0 ? 3 : 1),
            service.Servers.Reverse().Select(s => s.Weight)));
    }

    [Fact]
    public void Schedule_Weights31OnTwoServers_wrrGivesTheFirstThreeConnectionsOfEveryFour()
    {
        var node = NodeIpvs.Build(ScenarioCatalog.Load("small"), NodeSettings.Default, "wrr", weights: [3, 1]);
        var service = node.Services.Services.First(s => s.Servers.Count == 2);

        var picks = Enumerable.Range(0, 40).Select(_ => service.Scheduler.Schedule(service.Servers, AnyConnection)!.Server.Weight).ToList();

        Assert.Equal(30, picks.Count(w => w == 3));
        Assert.Equal(10, picks.Count(w => w == 1));
    }

    [Theory]
    [InlineData("3,1,1", new[] { 3, 1, 1 }, null)]
    [InlineData(" 2 , 0 ", new[] { 2, 0 }, null)]
    [InlineData("3,x", null, "weight \"x\" is not a whole number from 0 to 65535")]
    [InlineData("70000", null, "weight \"70000\" is not a whole number from 0 to 65535")]
    [InlineData("-1", null, "weight \"-1\" is not a whole number from 0 to 65535")]
    [InlineData("", null, "weight \"\" is not a whole number from 0 to 65535")]
    [InlineData("1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1", null, "give 1 to 16 weights, separated by commas")]
    public void TryParse_ReadsIpvsadmsRange_AndSaysWhatIsWrong(string text, int[]? expected, string? problem)
    {
        var ok = RealServerWeights.TryParse(text, out var weights, out var message);

        Assert.Equal(expected is not null, ok);
        Assert.Equal(problem, message);
        if (expected is not null)
        {
            Assert.Equal(expected, weights);
        }
    }
}
