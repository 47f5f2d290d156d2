using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Tests.Ipvs.Tables;

public class ServiceTableTests
{
    private static readonly Ipv4Address ClusterIp = Ipv4Address.Parse("10.96.0.10");

    [Fact]
    public void BucketOf_ClusterIpPort80_KernelHashWithFixedSalt()
    {
        var table = new ServiceTable();

        // (6 ^ (0x0A60000A ^ 0x810A3C40) ^ (80 >> 8) ^ 80) & 0xFF = 0x06 ^ 0x4A ^ 0x00 ^ 0x50 = 0x1C
        Assert.Equal(0x1C, table.BucketOf(IpProtocol.Tcp, ClusterIp, 80));
    }

    [Fact]
    public void Lookup_AddedService_FoundWithBucketAndChainLength()
    {
        var table = new ServiceTable();
        var service = new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler());
        table.Add(service);

        var lookup = table.Lookup(IpProtocol.Tcp, ClusterIp, 80);

        Assert.True(lookup.Found);
        Assert.Same(service, lookup.Service);
        Assert.Equal(table.BucketOf(IpProtocol.Tcp, ClusterIp, 80), lookup.Bucket);
        Assert.Equal(1, lookup.ChainLength);
        Assert.True(service.IsHashed);
    }

    [Fact]
    public void Lookup_OtherProtocolOrPort_NotFound()
    {
        var table = new ServiceTable();
        table.Add(new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler()));

        Assert.False(table.Lookup(IpProtocol.Udp, ClusterIp, 80).Found);
        var miss = table.Lookup(IpProtocol.Tcp, ClusterIp, 81);
        Assert.False(miss.Found);
        Assert.Equal(table.BucketOf(IpProtocol.Tcp, ClusterIp, 81), miss.Bucket);
    }

    [Fact]
    public void Lookup_PortsWithTheSameFold_ShareABucketChain()
    {
        var table = new ServiceTable();
        // Port 337 = 0x0151 folds to 0x01 ^ 0x51 = 0x50, as port 80 = 0x0050 does.
        var first = new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler());
        var second = new VirtualService(IpProtocol.Tcp, ClusterIp, 337, new FakeScheduler());
        table.Add(first);
        table.Add(second);

        var lookup = table.Lookup(IpProtocol.Tcp, ClusterIp, 80);

        Assert.Equal(table.BucketOf(IpProtocol.Tcp, ClusterIp, 337), lookup.Bucket);
        Assert.Equal(2, lookup.ChainLength);
        Assert.Same(first, lookup.Service);
        Assert.Same(second, table.Lookup(IpProtocol.Tcp, ClusterIp, 337).Service);
    }

    [Fact]
    public void LookupFirewallMark_AddedService_FoundInItsOwnTable()
    {
        var table = new ServiceTable();
        var service = VirtualService.ForFirewallMark(1, new FakeScheduler());
        table.Add(service);

        var lookup = table.LookupFirewallMark(1);

        Assert.Same(service, lookup.Service);
        Assert.True(lookup.ByFirewallMark);
        // (0x810A3C40 ^ 1) & 0xFF
        Assert.Equal(0x41, lookup.Bucket);
        Assert.Equal(1, table.ChainLength(0x41, firewallMarkTable: true));
        Assert.Equal(0, table.ChainLength(0x41));
        Assert.False(table.LookupFirewallMark(2).Found);
    }

    [Fact]
    public void Find_MarkedPacket_FirewallMarkServiceWinsOverAddressPort()
    {
        var table = new ServiceTable();
        var byAddress = new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler());
        var byMark = VirtualService.ForFirewallMark(7, new FakeScheduler());
        table.Add(byAddress);
        table.Add(byMark);

        Assert.Same(byMark, table.Find(IpProtocol.Tcp, ClusterIp, 80, mark: 7).Service);
        Assert.Same(byAddress, table.Find(IpProtocol.Tcp, ClusterIp, 80, mark: 8).Service);
    }

    [Fact]
    public void Find_NoExactMatch_FallsBackToPortZeroService()
    {
        var table = new ServiceTable();
        var allPorts = new VirtualService(IpProtocol.Tcp, ClusterIp, 0, new FakeScheduler());
        table.Add(allPorts);

        var lookup = table.Find(IpProtocol.Tcp, ClusterIp, 8443);

        Assert.Same(allPorts, lookup.Service);
        Assert.Equal(table.BucketOf(IpProtocol.Tcp, ClusterIp, 0), lookup.Bucket);
    }

    [Fact]
    public void BucketOf_ManyAddressesAndPorts_WithinTheTable()
    {
        var table = new ServiceTable(netnsSalt: 0xFFFFFFFF);
        for (uint a = 0; a < 2000; a++)
        {
            var address = new Ipv4Address(0x0A600000 + (a * 7919));
            foreach (ushort port in new ushort[] { 0, 1, 80, 443, 8080, 65535 })
            {
                var bucket = table.BucketOf(IpProtocol.Udp, address, port);
                Assert.InRange(bucket, 0, ServiceTable.TableSize - 1);
            }
            Assert.InRange(table.FirewallMarkBucketOf(a * 104729), 0, ServiceTable.TableSize - 1);
        }
        Assert.Equal(256, ServiceTable.TableSize);
    }

    [Fact]
    public void Add_SameServiceTwice_Throws()
    {
        var table = new ServiceTable();
        table.Add(new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler()));

        Assert.Throws<InvalidOperationException>(() => table.Add(new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler())));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Remove_Service_NoLongerFound()
    {
        var table = new ServiceTable();
        var service = new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler());
        table.Add(service);

        Assert.True(table.Remove(service));

        var lookup = table.Lookup(IpProtocol.Tcp, ClusterIp, 80);
        Assert.False(lookup.Found);
        Assert.Equal(0, lookup.ChainLength);
        Assert.False(service.IsHashed);
    }

    /// <summary>__ip_vs_update_dest (net/netfilter/ipvs/ip_vs_ctl.c) links a new destination with list_add_rcu, at the head.</summary>
    [Fact]
    public void AddServer_Later_ListedFirstAsTheKernelLinksIt()
    {
        var service = new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler());
        var a = service.AddServer(Ipv4Address.Parse("10.244.1.2"), 8080);
        var b = service.AddServer(Ipv4Address.Parse("10.244.1.3"), 8080);
        service.RemoveServer(a.Address, 8080);
        var c = service.AddServer(Ipv4Address.Parse("10.244.1.4"), 8080);
        var revived = service.AddServer(a.Address, 8080);

        Assert.Equal([revived, c, b], service.Servers);
        Assert.Same(a, revived);
    }

    [Fact]
    public void AddServer_AfterRemove_RevivesTheSameServerWithItsCounters()
    {
        var scheduler = new FakeScheduler();
        var service = new VirtualService(IpProtocol.Tcp, ClusterIp, 80, scheduler);
        var server = service.AddServer(Ipv4Address.Parse("10.244.1.2"), 8080);
        server.ActiveConnections = 2;

        service.RemoveServer(server.Address, 8080);
        Assert.False(service.IsAvailable(server));
        var again = service.AddServer(server.Address, 8080, weight: 3);

        Assert.Same(server, again);
        Assert.Equal(2, again.ActiveConnections);
        Assert.Equal(3, again.Weight);
        Assert.True(service.IsAvailable(again));
        // The changes reach the scheduler before its next pick, as one update (the constructor's call is the first):
        // a sync that adds N servers must not rebuild a scheduler's state N times.
        Assert.Equal(1, scheduler.Updates);
        Assert.Same(scheduler, service.Scheduler);
        Assert.Equal(2, scheduler.Updates);
        Assert.Same(scheduler, service.Scheduler);
        Assert.Equal(2, scheduler.Updates);
    }
}
