using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Tests.Ipvs.Tables;

public class IpvsadmFormatterTests
{
    private static Ipv4Address Ip(string text) => Ipv4Address.Parse(text);

    /// <summary>Four services added out of ipvsadm's order, with counters set by hand.</summary>
    private static ServiceTable SmallTable()
    {
        var table = new ServiceTable();
        var fwmark = VirtualService.ForFirewallMark(7, new FakeScheduler("wlc"));
        fwmark.AddServer(Ip("10.244.3.4"), 0, method: ForwardingMethod.DirectRouting);
        var dns = new VirtualService(IpProtocol.Udp, Ip("10.96.0.10"), 53, new FakeScheduler());
        dns.AddServer(Ip("10.244.1.5"), 53).InactiveConnections = 2;
        var web = new VirtualService(IpProtocol.Tcp, Ip("10.96.0.10"), 80, new FakeScheduler());
        // Added in reverse: ipvsadm sorts real servers by address, then port.
        var b = web.AddServer(Ip("10.244.2.3"), 8080, weight: 2);
        b.InactiveConnections = 1;
        web.AddServer(Ip("10.244.1.2"), 8080).ActiveConnections = 3;
        web.SetPersistence(10800);
        var api = new VirtualService(IpProtocol.Tcp, Ip("10.96.0.1"), 443, new FakeScheduler());
        api.AddServer(Ip("192.168.0.10"), 6443);
        table.Add(fwmark);
        table.Add(dns);
        table.Add(web);
        table.Add(api);
        return table;
    }

    [Fact]
    public void List_SmallTable_IpvsadmLnText()
    {
        var expected =
            "IP Virtual Server version 1.2.1 (size=4096)\n" +
            "Prot LocalAddress:Port Scheduler Flags\n" +
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n" +
            "TCP  10.96.0.1:443 rr\n" +
            "  -> 192.168.0.10:6443            Masq    1      0          0         \n" +
            "TCP  10.96.0.10:80 rr persistent 10800\n" +
            "  -> 10.244.1.2:8080              Masq    1      3          0         \n" +
            "  -> 10.244.2.3:8080              Masq    2      0          1         \n" +
            "UDP  10.96.0.10:53 rr\n" +
            "  -> 10.244.1.5:53                Masq    1      0          2         \n" +
            "FWM  7 wlc\n" +
            "  -> 10.244.3.4:0                 Route   1      0          0         \n";

        Assert.Equal(expected, IpvsadmFormatter.List(SmallTable()));
    }

    [Fact]
    public void List_DomainSheetExample_SameColumns()
    {
        var table = new ServiceTable();
        var service = new VirtualService(IpProtocol.Tcp, Ip("10.96.0.10"), 80, new FakeScheduler());
        service.AddServer(Ip("10.244.1.2"), 8080).ActiveConnections = 3;
        table.Add(service);

        var lines = IpvsadmFormatter.List(table).Split('\n');

        // ipvsadm -Ln as docs/DOMAIN.md section 6 describes it, with the trailing padding of the last %-10u column put back.
        Assert.Equal("TCP  10.96.0.10:80 rr", lines[3]);
        Assert.Equal("  -> 10.244.1.2:8080              Masq    1      3          0" + new string(' ', 9), lines[4]);
    }

    [Fact]
    public void List_PersistentWithNetmaskAndTunnel_FlagsAndForwardNames()
    {
        var table = new ServiceTable();
        var service = new VirtualService(IpProtocol.Tcp, Ip("10.0.0.1"), 80, new FakeScheduler("sh"));
        service.AddServer(Ip("10.1.0.1"), 80, method: ForwardingMethod.Tunnel);
        service.SetPersistence(600, Ip("255.255.255.0"));
        table.Add(service);

        var lines = IpvsadmFormatter.List(table, connectionTableSize: 256).Split('\n');

        Assert.Equal("IP Virtual Server version 1.2.1 (size=256)", lines[0]);
        Assert.Equal("TCP  10.0.0.1:80 sh persistent 600 mask 255.255.255.0", lines[3]);
        Assert.Equal("  -> 10.1.0.1:80" + new string(' ', 18) + "Tunnel  1      0          0         ", lines[4]);
    }

    [Fact]
    public void SortedServices_AddressesMoreThan2Pow31Apart_IpvsadmWrappingOrder()
    {
        var table = new ServiceTable();
        var low = new VirtualService(IpProtocol.Tcp, Ip("10.0.0.1"), 80, new FakeScheduler());
        var high = new VirtualService(IpProtocol.Tcp, Ip("200.0.0.1"), 80, new FakeScheduler());
        table.Add(low);
        table.Add(high);

        // ipvs_cmp_services computes ntohl(a) - ntohl(b) in an int: 0x0A000001 - 0xC8000001 wraps to a positive number.
        Assert.Equal([high, low], IpvsadmFormatter.SortedServices(table));
    }

    [Fact]
    public void ListStats_SmallTable_StatsColumnsWithSuffixes()
    {
        var table = new ServiceTable();
        var service = new VirtualService(IpProtocol.Tcp, Ip("10.96.0.10"), 80, new FakeScheduler());
        var server = service.AddServer(Ip("10.244.1.2"), 8080);
        (service.Connections, service.InPackets, service.OutPackets, service.InBytes, service.OutBytes) = (12, 345, 0, 123_456_789, 5_000_000_000);
        (server.Connections, server.InPackets, server.OutPackets, server.InBytes, server.OutBytes) = (12, 345, 0, 20_700, 99_999_999);
        table.Add(service);

        var expected =
            "IP Virtual Server version 1.2.1 (size=4096)\n" +
            "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n" +
            "  -> RemoteAddress:Port\n" +
            "TCP  10.96.0.10:80                      12      345        0  123456K    5000M\n" +
            "  -> 10.244.1.2:8080                    12      345        0    20700 99999999\n";

        Assert.Equal(expected, IpvsadmFormatter.ListStats(table));
    }

    [Theory]
    [InlineData(0L, "        0")]
    [InlineData(99_999_999L, " 99999999")]
    [InlineData(100_000_000L, "  100000K")]
    [InlineData(999_999_999L, "  999999K")]
    [InlineData(1_000_000_000L, "    1000M")]
    [InlineData(99_999_999_999L, "   99999M")]
    [InlineData(100_000_000_000L, "     100G")]
    [InlineData(100_000_000_000_000L, "     100T")]
    public void LargeNumber_Boundaries_PrintLargenumFormat(long value, string expected)
    {
        Assert.Equal(expected, IpvsadmFormatter.LargeNumber(value));
    }

    [Fact]
    public void ListConnections_EstablishedEntry_MinutesSecondsAndPaddedColumns()
    {
        var service = new VirtualService(IpProtocol.Tcp, Ip("10.96.0.10"), 80, new FakeScheduler());
        var server = service.AddServer(Ip("10.244.1.2"), 8080);
        var connections = new ConnectionTable();
        var request = new ConnectionTuple(IpProtocol.Tcp, Ip("10.244.0.5"), 41234, Ip("10.96.0.10"), 80);
        var c = connections.Create(service, server, request, TimeSpan.Zero);
        connections.Process(c, IpvsDirection.Input, TcpFlags.Syn, 60, TimeSpan.Zero);
        connections.Process(c, IpvsDirection.Output, TcpFlags.Syn | TcpFlags.Ack, 60, TimeSpan.Zero);
        connections.Process(c, IpvsDirection.Input, TcpFlags.Ack, 52, TimeSpan.Zero);

        // 900 s armed, 1.5 s gone: 898.5 s left, truncated to 898 = 14:58.
        var text = IpvsadmFormatter.ListConnections(connections, TimeSpan.FromSeconds(1.5));

        Assert.Equal(
            "IPVS connection entries\n" +
            "pro expire state       source             virtual            destination\n" +
            "TCP 14:58  ESTABLISHED 10.244.0.5:41234   10.96.0.10:80      10.244.1.2:8080\n",
            text);
    }

    [Fact]
    public void ListConnections_PersistentService_TemplateListedWithPortZeroAndNone()
    {
        var service = new VirtualService(IpProtocol.Tcp, Ip("10.96.0.10"), 80, new FakeScheduler());
        service.AddServer(Ip("10.244.1.2"), 8080);
        service.SetPersistence(10800);
        var connections = new ConnectionTable();
        var request = new ConnectionTuple(IpProtocol.Tcp, Ip("10.244.0.5"), 41234, Ip("10.96.0.10"), 80);
        var c = connections.Schedule(service, request, TimeSpan.Zero).Connection!;
        connections.Process(c, IpvsDirection.Input, TcpFlags.Syn, 60, TimeSpan.Zero);

        var lines = IpvsadmFormatter.ListConnections(connections, TimeSpan.Zero).Split('\n');

        Assert.Contains("TCP 180:00 NONE        10.244.0.5:0       10.96.0.10:80      10.244.1.2:8080", lines);
        Assert.Contains("TCP 01:00  SYN_RECV    10.244.0.5:41234   10.96.0.10:80      10.244.1.2:8080", lines);
        // Entries come in bucket order, so the text follows the table, not the insertion order.
        var buckets = connections.Entries.Select(e => e.Bucket).ToArray();
        Assert.Equal(buckets.Order().ToArray(), buckets);
    }

    [Fact]
    public void Save_SmallTable_IpvsadmSaveLines()
    {
        var expected =
            "-A -t 10.96.0.1:443 -s rr\n" +
            "-a -t 10.96.0.1:443 -r 192.168.0.10:6443 -m -w 1\n" +
            "-A -t 10.96.0.10:80 -s rr -p 10800\n" +
            "-a -t 10.96.0.10:80 -r 10.244.1.2:8080 -m -w 1\n" +
            "-a -t 10.96.0.10:80 -r 10.244.2.3:8080 -m -w 2\n" +
            "-A -u 10.96.0.10:53 -s rr\n" +
            "-a -u 10.96.0.10:53 -r 10.244.1.5:53 -m -w 1\n" +
            "-A -f 7 -s wlc\n" +
            "-a -f 7 -r 10.244.3.4:0 -g -w 1\n";

        Assert.Equal(expected, IpvsadmFormatter.Save(SmallTable()));
    }

    [Fact]
    public void Parse_SaveText_RoundTripsToTheSameServices()
    {
        var table = SmallTable();
        var masked = new VirtualService(IpProtocol.Tcp, Ip("10.96.5.5"), 8443, new FakeScheduler("sh"));
        masked.AddServer(Ip("10.244.9.9"), 8443, weight: 0, method: ForwardingMethod.Tunnel);
        masked.SetPersistence(60, Ip("255.255.0.0"));
        table.Add(masked);

        var parsed = IpvsadmSaveParser.Parse(IpvsadmFormatter.Save(table));

        var expected = IpvsadmFormatter.SortedServices(table).Select(s => (
            s.Protocol, s.Address, s.Port, s.FirewallMark, s.Scheduler.Name, s.PersistenceTimeoutSeconds, s.PersistenceNetmask,
            string.Join(";", IpvsadmFormatter.SortedServers(s).Select(r => $"{r.Address}:{r.Port}/{r.Method}/{r.Weight}")))).ToArray();
        var actual = parsed.Select(s => (
            s.Protocol, s.Address, s.Port, s.FirewallMark, s.Scheduler, s.PersistenceTimeoutSeconds, s.PersistenceNetmask,
            string.Join(";", s.Servers.Select(r => $"{r.Address}:{r.Port}/{r.Method}/{r.Weight}")))).ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Parse_OptionsLeftOut_IpvsadmDefaults()
    {
        var parsed = IpvsadmSaveParser.Parse("-A -t 10.96.0.10:80 -p\n-a -t 10.96.0.10:80 -r 10.244.1.2\n");

        var service = Assert.Single(parsed);
        Assert.Equal("wlc", service.Scheduler);
        Assert.Equal(300, service.PersistenceTimeoutSeconds);
        var server = Assert.Single(service.Servers);
        Assert.Equal(new SavedRealServer(Ip("10.244.1.2"), 0, ForwardingMethod.DirectRouting, 1), server);
    }

    [Theory]
    [InlineData("-a -t 10.96.0.10:80 -r 10.244.1.2:8080 -m -w 1")]
    [InlineData("-A -t 10.96.0.10:80 -s rr --frobnicate")]
    [InlineData("-A -t 10.96.0.300:80 -s rr")]
    [InlineData("-A -s rr")]
    [InlineData("-D -t 10.96.0.10:80")]
    public void Parse_InvalidLine_FormatExceptionWithLineNumber(string line)
    {
        var error = Assert.Throws<FormatException>(() => IpvsadmSaveParser.Parse("\n" + line + "\n"));

        Assert.StartsWith("line 2:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeouts_DefaultsThenSet_IpvsadmTimeoutLine()
    {
        var timeouts = new IpvsTimeouts();
        Assert.Equal("Timeout (tcp tcpfin udp): 900 120 300\n", IpvsadmFormatter.Timeouts(timeouts));

        timeouts.SetIpvsadm(86400, 0, 30);

        Assert.Equal("Timeout (tcp tcpfin udp): 86400 120 30\n", IpvsadmFormatter.Timeouts(timeouts));
    }
}
