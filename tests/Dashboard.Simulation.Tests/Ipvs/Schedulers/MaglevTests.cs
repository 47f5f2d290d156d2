using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.Packets;
using static Dashboard.Simulation.Tests.Ipvs.Schedulers.SchedulerTestData;

namespace Dashboard.Simulation.Tests.Ipvs.Schedulers;

public class MaglevTests
{
    private static readonly string[] Sources =
        [.. Enumerable.Range(0, 10_000).Select(i => $"10.{1 + (i / 62_500)}.{i / 250 % 250}.{(i % 250) + 1}")];

    private static RealServer?[] Assign(Maglev scheduler, IReadOnlyList<RealServer> servers) =>
        [.. Sources.Select(source => scheduler.Schedule(servers, From(source))?.Server)];

    [Fact]
    public void SipHash_ReferenceVectors_MatchTheSipHashPaper()
    {
        // SipHash-2-4 test vectors (key 00..0f): the same rounds the kernel's hsiphash runs, with fewer of them.
        var key0 = 0x0706050403020100UL;
        var key1 = 0x0f0e0d0c0b0a0908UL;
        byte[] message = [.. Enumerable.Range(0, 15).Select(i => (byte)i)];

        Assert.Equal(0x726fdb47dd0e0e31UL, SipHash.Compute([], key0, key1));
        Assert.Equal(0xa129ca6149be45e5UL, SipHash.Compute(message, key0, key1));
    }

    [Fact]
    public void Hashes_KnownAddresses_MatchTheKernelHsipHash()
    {
        // Expected values from lib/siphash.c's 64-bit hsiphash macros compiled with gcc, with ip_vs_mh.c's fixed keys.
        Assert.Equal(3174463228u, SipHash.KernelHsipHash(Ipv4Address.Parse("10.244.0.5").Value, Maglev.OffsetKey, Maglev.OffsetKey));
        Assert.Equal(4169286463u, SipHash.KernelHsipHash(0, Maglev.SkipKey, Maglev.SkipKey));
        Assert.Equal(2009, Maglev.Slot(Ipv4Address.Parse("10.244.0.5").Value));
        Assert.Equal((1139, 3991), Maglev.Permutation(new RealServer(Ipv4Address.Parse("10.244.1.2"), 8080)));
    }

    [Fact]
    public void Schedule_Source_ReasonNamesTheSlotOf4093()
    {
        var servers = Servers(1, 1, 1);
        var scheduler = new Maglev();

        var decision = scheduler.Schedule(servers, From("10.244.0.5"))!;

        Assert.Same(scheduler.Table[2009], decision.Server);
        Assert.Equal($"HashedPick(Mh(10.244.0.5, 2009, 4093), {decision.Server})", decision.Why.ToString());
    }

    [Fact]
    public void UpdateServers_Weights_FillAll4093SlotsInProportion()
    {
        var servers = Servers(1, 2, 3);
        var scheduler = new Maglev();

        scheduler.UpdateServers(servers);

        Assert.Equal(4093, scheduler.Table.Count);
        Assert.DoesNotContain(null, scheduler.Table);
        for (var i = 0; i < servers.Length; i++)
        {
            var share = scheduler.Table.Count(server => server == servers[i]);
            // Each round claims 1, 2 and 3 slots, so only the last, partial round can break exact proportion.
            Assert.InRange(share, (4093 * servers[i].Weight / 6) - 3, (4093 * servers[i].Weight / 6) + 3);
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(20)]
    public void Schedule_OneOfNServersRemoved_RemapsAboutOneNthOfFlows(int n)
    {
        var servers = Servers([.. Enumerable.Repeat(1, n)]);
        var scheduler = new Maglev();
        var before = Assign(scheduler, servers);

        RealServer[] remaining = [.. servers.Where((_, i) => i != n / 2)];
        var after = Assign(scheduler, remaining);

        var moved = Enumerable.Range(0, Sources.Length).Count(i => !ReferenceEquals(before[i], after[i]));
        var onRemoved = before.Count(server => ReferenceEquals(server, servers[n / 2]));
        Assert.InRange(moved, onRemoved, 2 * Sources.Length / n);
        Assert.InRange(moved, Sources.Length / (2 * n), 2 * Sources.Length / n);
    }

    [Fact]
    public void Schedule_QuiescentServer_KeepsItsSlotsAndRefusesOnlyItsClients()
    {
        var servers = Servers(1, 1, 1, 1);
        var scheduler = new Maglev();
        var before = Assign(scheduler, servers);
        RealServer?[] table = [.. scheduler.Table];

        servers[1].Weight = 0;
        var after = Assign(scheduler, servers);

        // last_weight keeps the table: nobody else moves, and the quiescent server's clients get no server.
        Assert.Equal(table, scheduler.Table);
        Assert.All(Enumerable.Range(0, Sources.Length), i =>
            Assert.Same(ReferenceEquals(before[i], servers[1]) ? null : before[i], after[i]));
    }

    [Fact]
    public void Schedule_QuiescentServerWithFallback_RehashesItsClients()
    {
        var servers = Servers(1, 1, 1, 1);
        var scheduler = new Maglev(HashingFlags.Fallback);
        var before = Assign(scheduler, servers);

        servers[1].Weight = 0;
        var after = Assign(scheduler, servers);

        Assert.DoesNotContain(null, after);
        Assert.DoesNotContain(servers[1], after);
        Assert.All(Enumerable.Range(0, Sources.Length).Where(i => !ReferenceEquals(before[i], servers[1])), i => Assert.Same(before[i], after[i]));
        var rehashed = scheduler.Schedule(servers, From(Sources[Array.FindIndex(before, server => server == servers[1])]))!;
        Assert.Equal(ExplanationCode.HashedFallback, rehashed.Why.Code);
        Assert.Contains("MhFallback()", rehashed.Why.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Schedule_NoWeightedServer_ReturnsNull()
    {
        var scheduler = new Maglev();

        Assert.Null(scheduler.Schedule(Servers(0, 0), From("10.244.0.5")));
        Assert.All(scheduler.Table, Assert.Null);
    }

    [Fact]
    public void Schedule_PortFlag_HashesTheSourcePortToo()
    {
        var servers = Servers(1, 1, 1);

        var withoutPort = Enumerable.Range(40000, 30).Select(port => new Maglev().Schedule(servers, From("10.244.0.5", (ushort)port))!.Server).Distinct().Count();
        var withPort = Enumerable.Range(40000, 30).Select(port => new Maglev(HashingFlags.Port).Schedule(servers, From("10.244.0.5", (ushort)port))!.Server).Distinct().Count();

        Assert.Equal(1, withoutPort);
        Assert.Equal(3, withPort);
    }
}
