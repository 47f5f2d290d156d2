using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.Packets;
using static Dashboard.Simulation.Tests.Ipvs.Schedulers.SchedulerTestData;

namespace Dashboard.Simulation.Tests.Ipvs.Schedulers;

public class SourceHashingTests
{
    /// <summary>
    /// Golden vectors of the kernel's algorithm, computed outside this code base from the source as written:
    /// ip_vs_sh_hashkey and ip_vs_dh_hashkey (net/netfilter/ipvs/ip_vs_sh.c, ip_vs_dh.c) return
    /// hash_32(ntohs(port) + ntohl(addr), 8) and hash_32(ntohl(addr), 8); hash_32 (include/linux/hash.h) is
    /// (val * 0x61C88647 mod 2^32) >> 24. By hand for the first: 10.244.0.5 = 0x0AF40005, times 0x61C88647 is
    /// 0xAA..., so slot 0xAA = 170 (the 2.6-era low-bits form gave 117, and 117 for every address ending in .5).
    /// </summary>
    public static TheoryData<string, int> KernelSlots => new()
    {
        { "10.244.0.5", 170 }, { "10.244.1.5", 115 }, { "192.168.7.5", 195 }, { "10.244.0.6", 12 }, { "10.244.1.2", 77 },
        { "10.244.1.3", 175 }, { "10.244.2.4", 217 }, { "10.244.0.7", 110 }, { "172.16.0.1", 122 }, { "192.168.1.10", 248 },
        { "10.0.0.1", 39 }, { "10.0.0.2", 137 }, { "10.96.0.10", 242 }, { "10.96.0.20", 196 }, { "203.0.113.7", 124 },
        { "198.51.100.23", 199 }, { "8.8.8.8", 188 }, { "1.1.1.1", 247 }, { "10.244.3.200", 127 }, { "10.244.255.254", 132 },
        { "0.0.0.1", 97 }, { "255.255.255.255", 158 },
    };

    [Theory]
    [MemberData(nameof(KernelSlots))]
    public void Slot_Address_IsTheKernelsHash32(string address, int slot)
    {
        Assert.Equal(slot, SourceHashing.Slot(Ipv4Address.Parse(address).Value, 0));
        Assert.Equal(slot, DestinationHashing.Slot(Ipv4Address.Parse(address).Value));
    }

    /// <summary>With sh-port the source port is added before hashing, in 32 bits (255.255.255.255 + 1 wraps to 0).</summary>
    [Theory]
    [InlineData("10.244.0.5", 40000, 78)]
    [InlineData("10.244.0.5", 40001, 176)]
    [InlineData("192.168.7.5", 53, 1)]
    [InlineData("10.244.1.5", 65535, 151)]
    [InlineData("255.255.255.255", 1, 0)]
    public void Slot_AddressAndPort_IsTheKernelsHash32OfTheirSum(string address, int port, int slot) =>
        Assert.Equal(slot, SourceHashing.Slot(Ipv4Address.Parse(address).Value, (ushort)port));

    [Fact]
    public void Schedule_SameSource_AlwaysTheSameServer()
    {
        var servers = Servers(1, 1, 1);
        var scheduler = new SourceHashing();

        var decision = scheduler.Schedule(servers, From("10.244.0.5"))!;
        var picked = Enumerable.Range(1000, 50).Select(port => scheduler.Schedule(servers, From("10.244.0.5", (ushort)port))!.Server);

        // The table deals slots A, B, C, A, ...: slot 170 is 170 mod 3 = 2, the third server.
        Assert.Equal("HashedPick(Sh(10.244.0.5, 170), 10.244.1.3:8080)", decision.Why.ToString());
        Assert.All(picked, server => Assert.Same(servers[2], server));
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
        var otherClient = From("10.244.0.6"); // slot 12, 12 mod 3 = 0: the first server
        Assert.Same(servers[0], scheduler.Schedule(servers, otherClient)!.Server);

        servers[2].Weight = 0;

        // A weight-0 server still holds one slot per round, so its clients (10.244.0.5, slot 170) find it and are refused.
        Assert.Null(scheduler.Schedule(servers, From("10.244.0.5")));
        Assert.Same(servers[0], scheduler.Schedule(servers, otherClient)!.Server);
    }

    [Fact]
    public void Schedule_QuiescentServerWithFallback_RehashesToAnotherServer()
    {
        var servers = Servers(1, 1, 1);
        var scheduler = new SourceHashing(HashingFlags.Fallback);
        servers[2].Weight = 0;

        var decision = scheduler.Schedule(servers, From("10.244.0.5"))!;

        // ip_vs_sh_get_fallback visits (170 + (170 + i)) mod 256: slot 84 first, 84 mod 3 = 0, the first server.
        Assert.Same(servers[0], decision.Server);
        Assert.Equal("HashedFallback(Sh(10.244.0.5, 170), 10.244.1.3:8080, ServerIsQuiescent(10.244.1.3:8080), ShFallback(), 84, 10.244.1.1:8080)",
            decision.Why.ToString());
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

        // hash_32(10.96.0.10, 8) = 242; 242 mod 3 = 2, the third server.
        Assert.Equal("Dh(10.96.0.10, 242, 10.244.1.3:8080)", decision.Why.ToString());
        Assert.All(fromOthers, server => Assert.Same(servers[2], server));
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
        var servers = Servers(1, 1, 0);

        // 10.96.0.10's slot 242 belongs to the third server, quiescent: dh has no fallback.
        Assert.Null(new DestinationHashing().Schedule(servers, To("10.96.0.10")));
    }
}
