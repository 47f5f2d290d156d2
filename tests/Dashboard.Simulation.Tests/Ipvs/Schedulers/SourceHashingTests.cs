using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.Packets;
using static Dashboard.Simulation.Tests.Ipvs.Schedulers.SchedulerTestData;

namespace Dashboard.Simulation.Tests.Ipvs.Schedulers;

public class SourceHashingTests
{
    [Fact]
    public void Slot_Source10_244_0_5_IsTheLowByteOfTheKnuthProduct()
    {
        // 2654435761 = 0x9E3779B1; only the low byte 0xB1 = 177 reaches the 8-bit slot: 5 x 177 = 885 = 3 x 256 + 117.
        Assert.Equal(117, SourceHashing.Slot(Ipv4Address.Parse("10.244.0.5").Value, 0));
        Assert.Equal(117, SourceHashing.Slot(Ipv4Address.Parse("192.168.7.5").Value, 0));
    }

    [Fact]
    public void Schedule_SameSource_AlwaysTheSameServer()
    {
        var servers = Servers(1, 1, 1);
        var scheduler = new SourceHashing();

        var decision = scheduler.Schedule(servers, From("10.244.0.5"))!;
        var picked = Enumerable.Range(1000, 50).Select(port => scheduler.Schedule(servers, From("10.244.0.5", (ushort)port))!.Server);

        // The table deals slots A, B, C, A, ...: slot 117 is 117 mod 3 = 0, the first server.
        Assert.Equal("sh: source 10.244.0.5 hashes to slot 117 -> 10.244.1.1:8080", decision.Reason);
        Assert.All(picked, server => Assert.Same(servers[0], server));
    }

    [Fact]
    public void Schedule_DifferentSources_SpreadOverAllServers()
    {
        var servers = Servers(1, 1, 1);
        var scheduler = new SourceHashing();

        var used = Enumerable.Range(1, 30).Select(octet => scheduler.Schedule(servers, From($"10.244.0.{octet}"))!.Server).Distinct().Count();

        Assert.Equal(3, used);
    }

    [Fact]
    public void Schedule_PortFlag_SpreadsOneClientsConnections()
    {
        var servers = Servers(1, 1, 1);
        var scheduler = new SourceHashing(HashingFlags.Port);

        var used = Enumerable.Range(40000, 30).Select(port => scheduler.Schedule(servers, From("10.244.0.5", (ushort)port))!.Server).Distinct().Count();

        Assert.Equal(3, used);
    }

    [Fact]
    public void UpdateServers_Weights_GiveAServerThatManySlotsInARow()
    {
        var servers = Servers(2, 1);
        var scheduler = new SourceHashing();

        scheduler.UpdateServers(servers);

        // A A B A A B ...: 85 rounds of 3 slots fill 255, and slot 255 starts a new round with A.
        Assert.Equal(SourceHashing.TableSize, scheduler.Table.Count);
        Assert.Equal([servers[0], servers[0], servers[1], servers[0]], scheduler.Table.Take(4));
        Assert.Equal(171, scheduler.Table.Count(server => server == servers[0]));
        Assert.Equal(85, scheduler.Table.Count(server => server == servers[1]));
    }

    [Fact]
    public void Schedule_QuiescentServerWithoutFallback_DropsItsClientsOnly()
    {
        var servers = Servers(1, 1, 1);
        var scheduler = new SourceHashing();
        var otherClient = From("10.244.0.6"); // 6 x 177 mod 256 = 38, 38 mod 3 = 2: the third server
        Assert.Same(servers[2], scheduler.Schedule(servers, otherClient)!.Server);

        servers[0].Weight = 0;

        // A weight-0 server still holds one slot per round, so its clients find it and are refused.
        Assert.Null(scheduler.Schedule(servers, From("10.244.0.5")));
        Assert.Same(servers[2], scheduler.Schedule(servers, otherClient)!.Server);
    }

    [Fact]
    public void Schedule_QuiescentServerWithFallback_RehashesToAnotherServer()
    {
        var servers = Servers(1, 1, 1);
        var scheduler = new SourceHashing(HashingFlags.Fallback);
        servers[0].Weight = 0;

        var decision = scheduler.Schedule(servers, From("10.244.0.5"))!;

        // The walk visits (2 x 117 + i) mod 256: slot 234 is the first server again, slot 235 the second.
        Assert.Same(servers[1], decision.Server);
        Assert.Equal("sh: source 10.244.0.5 hashes to slot 117 -> 10.244.1.1:8080 (10.244.1.1:8080 is quiescent, weight 0); " +
                     "sh-fallback walked to slot 235 -> 10.244.1.2:8080", decision.Reason);
    }

    [Fact]
    public void Schedule_OverloadedWithFallbackAndNothingElse_ReturnsNull()
    {
        var servers = Servers(1, 0);
        servers[0].Overloaded = true;

        Assert.Null(new SourceHashing(HashingFlags.Fallback).Schedule(servers, From("10.244.0.5")));
        Assert.Null(new SourceHashing().Schedule([], From("10.244.0.5")));
    }

    [Fact]
    public void Schedule_DestinationHashing_SameDestinationSameServerForEverySource()
    {
        var servers = Servers(1, 1, 1);
        var scheduler = new DestinationHashing();

        var decision = scheduler.Schedule(servers, To("10.96.0.10"))!;
        var fromOthers = Enumerable.Range(1, 20).Select(octet =>
            scheduler.Schedule(servers, From($"10.244.0.{octet}") with { Destination = Ipv4Address.Parse("10.96.0.10") })!.Server);

        // 10 x 177 = 1770 = 6 x 256 + 234; 234 mod 3 = 0.
        Assert.Equal("dh: destination 10.96.0.10 hashes to slot 234 -> 10.244.1.1:8080", decision.Reason);
        Assert.All(fromOthers, server => Assert.Same(servers[0], server));
    }

    [Fact]
    public void Schedule_DestinationHashingDifferentDestinations_SpreadAndIgnoreWeights()
    {
        var servers = Servers(5, 1);
        var scheduler = new DestinationHashing();

        var used = Enumerable.Range(1, 10).Select(octet => scheduler.Schedule(servers, To($"10.96.0.{octet}"))!.Server).Distinct().Count();
        scheduler.UpdateServers(servers);

        Assert.Equal(2, used);
        Assert.Equal(128, scheduler.Table.Count(server => server == servers[0]));
    }

    [Fact]
    public void Schedule_DestinationHashingQuiescentServer_ReturnsNull()
    {
        var servers = Servers(0, 1, 1);

        Assert.Null(new DestinationHashing().Schedule(servers, To("10.96.0.10")));
    }
}
