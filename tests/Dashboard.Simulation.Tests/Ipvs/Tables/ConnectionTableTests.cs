using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Tests.Ipvs.Tables;

public class ConnectionTableTests
{
    private static readonly Ipv4Address Client = Ipv4Address.Parse("10.244.0.5");
    private static readonly Ipv4Address ClusterIp = Ipv4Address.Parse("10.96.0.10");
    private static readonly Ipv4Address Backend = Ipv4Address.Parse("10.244.1.2");
    private static readonly ConnectionTuple Request = new(IpProtocol.Tcp, Client, 41234, ClusterIp, 80);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private static (ConnectionTable Table, VirtualService Service, RealServer Server) Nat(ForwardingMethod method = ForwardingMethod.Masquerade)
    {
        var service = new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler());
        var server = service.AddServer(Backend, 8080, method: method);
        return (new ConnectionTable(), service, server);
    }

    private static TimeSpan At(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void Constructor_TableBits_DefaultSizeAndBounds()
    {
        Assert.Equal(4096, new ConnectionTable().Size);
        Assert.Equal(256, new ConnectionTable(tableBits: 8).Size);
        Assert.Equal(1 << 20, new ConnectionTable(tableBits: 20).Size);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionTable(tableBits: 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionTable(tableBits: 21));
    }

    [Fact]
    public void BucketOf_ManyClients_WithinTableAndKeyedOnClientSideOnly()
    {
        var table = new ConnectionTable(tableBits: 8);
        for (var i = 0; i < 5000; i++)
        {
            var bucket = table.BucketOf(IpProtocol.Tcp, new Ipv4Address(0x0AF40000 + (uint)i), (ushort)(1024 + (i * 13)));
            Assert.InRange(bucket, 0, 255);
        }
        // Same client address, port and protocol: same bucket, whatever the virtual service.
        var (full, service, server) = Nat();
        var a = full.Create(service, server, Request, TimeSpan.Zero);
        var b = full.Create(service, server, Request with { Destination = Ipv4Address.Parse("10.96.0.11") }, TimeSpan.Zero);
        Assert.Equal(a.Bucket, b.Bucket);
        Assert.Equal(full.BucketOf(IpProtocol.Tcp, Client, 41234), a.Bucket);
    }

    [Fact]
    public void Jhash3Words_DifferentRandomValues_DifferentAndStableHashes()
    {
        // With a = b = c = 0, all three words start as the seed; two different random values must give two hashes.
        var one = ConnectionTable.Jhash3Words(0, 0, 0, 1);
        var two = ConnectionTable.Jhash3Words(0, 0, 0, 2);
        Assert.NotEqual(one, two);
        Assert.Equal(one, ConnectionTable.Jhash3Words(0, 0, 0, 1));
    }

    [Fact]
    public void LookupIn_AfterCreate_HitInTheSameBucket()
    {
        var (table, service, server) = Nat();
        var connection = table.Create(service, server, Request, TimeSpan.Zero);

        var lookup = table.LookupIn(Request, At(1));

        Assert.Equal(ConnectionLookupOutcome.Hit, lookup.Outcome);
        Assert.Same(connection, lookup.Connection);
        Assert.Equal(connection.Bucket, lookup.Bucket);
        Assert.Equal(1, lookup.ChainLength);
        Assert.Equal(1, lookup.Compared);
        Assert.Equal(8080, connection.DestinationPort);
        Assert.False(table.LookupIn(Request with { SourcePort = 41235 }, At(1)).Found);
    }

    [Fact]
    public void LookupIn_TwoEntriesInOneBucket_NewestFirst()
    {
        var (table, service, server) = Nat();
        var older = table.Create(service, server, Request, TimeSpan.Zero);
        var newer = table.Create(service, server, Request with { DestinationPort = 443 }, TimeSpan.Zero);

        var lookup = table.LookupIn(Request, TimeSpan.Zero);

        Assert.Same(older, lookup.Connection);
        Assert.Equal(2, lookup.ChainLength);
        Assert.Equal(2, lookup.Compared);
        Assert.Equal([newer, older], table.Entries.ToArray());
    }

    [Fact]
    public void LookupOut_ReplyFromRealServer_FindsTheRequestEntry()
    {
        var (table, service, server) = Nat();
        var connection = table.Create(service, server, Request, TimeSpan.Zero);

        var reply = table.LookupOut(new ConnectionTuple(IpProtocol.Tcp, Backend, 8080, Client, 41234), TimeSpan.Zero);

        Assert.Same(connection, reply.Connection);
        Assert.Equal(connection.Bucket, reply.Bucket);
    }

    [Fact]
    public void Create_BeforeAnyPacket_InactiveNoneExpiresAfterThreeSeconds()
    {
        var (table, service, server) = Nat();
        var connection = table.Create(service, server, Request, TimeSpan.Zero);

        Assert.Equal(IpvsState.None, connection.State);
        Assert.Equal(1, server.InactiveConnections);
        Assert.True(table.LookupIn(Request, At(3) - Tick).Found);
        Assert.False(table.LookupIn(Request, At(3)).Found);
        Assert.Equal(0, server.InactiveConnections);
        Assert.Equal(0, table.Count);
    }

    public static TheoryData<string, IpvsState, int> Walks => new()
    {
        { "S", IpvsState.SynRecv, 60 },
        { "S,out:SA,A", IpvsState.Established, 900 },
        { "out:S", IpvsState.SynSent, 120 },
        { "S,out:SA,A,out:F", IpvsState.FinWait, 120 },
        { "S,out:SA,A,out:F,A,F", IpvsState.TimeWait, 120 },
        { "S,out:SA,A,R", IpvsState.Close, 10 },
        { "S,out:SA,A,F", IpvsState.CloseWait, 60 },
    };

    [Theory]
    [MemberData(nameof(Walks))]
    public void Process_StateReached_ExpiresExactlyAfterItsTimeout(string packets, IpvsState state, int seconds)
    {
        var (table, service, server) = Nat();
        var connection = table.Create(service, server, Request, TimeSpan.Zero);
        var now = TimeSpan.Zero;
        foreach (var packet in packets.Split(','))
        {
            var output = packet.StartsWith("out:", StringComparison.Ordinal);
            Assert.True(TcpFlagNames.TryParse(output ? packet[4..] : packet, out var flags));
            now += At(1);
            table.Process(connection, output ? IpvsDirection.Output : IpvsDirection.Input, flags, 60, now);
        }

        Assert.Equal(state, connection.State);
        Assert.Equal(At(seconds), connection.Timeout);
        Assert.True(table.LookupIn(Request, now + At(seconds) - Tick).Found);
        Assert.False(table.LookupIn(Request, now + At(seconds)).Found);
        Assert.True(connection.IsExpired);
        Assert.Equal(0, server.ActiveConnections + server.InactiveConnections);
    }

    [Fact]
    public void Timeouts_KernelDefaults_IncludingStatesNoPacketLeadsTo()
    {
        var timeouts = new IpvsTimeouts();

        Assert.Equal(At(30), timeouts.For(IpvsState.LastAck));
        Assert.Equal(At(120), timeouts.For(IpvsState.Listen));
        Assert.Equal(At(120), timeouts.For(IpvsState.SynAck));
        Assert.Equal(At(2), timeouts.For(IpvsState.None));
        Assert.Equal(At(300), timeouts.For(IpvsState.Udp));
    }

    [Fact]
    public void Process_Udp_AlwaysInactiveAndExpiresAfterUdpTimeout()
    {
        var service = new VirtualService(IpProtocol.Udp, ClusterIp, 53, new FakeScheduler());
        var server = service.AddServer(Backend, 53);
        var table = new ConnectionTable();
        var query = new ConnectionTuple(IpProtocol.Udp, Client, 5353, ClusterIp, 53);
        var connection = table.Schedule(service, query, TimeSpan.Zero).Connection!;

        table.Process(connection, IpvsDirection.Input, TcpFlags.None, 70, TimeSpan.Zero);
        table.Process(connection, IpvsDirection.Output, TcpFlags.None, 120, At(1));

        Assert.Equal(IpvsState.Udp, connection.State);
        Assert.Equal((0, 1), (server.ActiveConnections, server.InactiveConnections));
        Assert.True(table.LookupIn(query, At(301) - Tick).Found);
        Assert.False(table.LookupIn(query, At(301)).Found);
        Assert.Equal((0, 0), (server.ActiveConnections, server.InactiveConnections));
        Assert.Equal((1L, 1L, 70L, 120L), (server.InPackets, server.OutPackets, server.InBytes, server.OutBytes));
    }

    [Fact]
    public void Process_NatLifeBothDirections_ActiveOnlyWhileEstablished()
    {
        var (table, service, server) = Nat();
        var c = table.Create(service, server, Request, TimeSpan.Zero);
        var counts = new List<(IpvsState, int, int)>();
        void Step(IpvsDirection direction, TcpFlags flags)
        {
            table.Process(c, direction, flags, 60, TimeSpan.Zero);
            counts.Add((c.State, server.ActiveConnections, server.InactiveConnections));
        }

        Step(IpvsDirection.Input, TcpFlags.Syn);
        Step(IpvsDirection.Output, TcpFlags.Syn | TcpFlags.Ack);
        Step(IpvsDirection.Input, TcpFlags.Ack);
        Step(IpvsDirection.Input, TcpFlags.Psh | TcpFlags.Ack);
        Step(IpvsDirection.Input, TcpFlags.Fin | TcpFlags.Ack);
        Step(IpvsDirection.Output, TcpFlags.Ack);
        Step(IpvsDirection.Output, TcpFlags.Fin | TcpFlags.Ack);
        Step(IpvsDirection.Input, TcpFlags.Ack);

        Assert.Equal(
        [
            (IpvsState.SynRecv, 0, 1),
            (IpvsState.SynRecv, 0, 1),
            (IpvsState.Established, 1, 0),
            (IpvsState.Established, 1, 0),
            (IpvsState.CloseWait, 0, 1),
            (IpvsState.CloseWait, 0, 1),
            (IpvsState.TimeWait, 0, 1),
            (IpvsState.TimeWait, 0, 1),
        ], counts);
        Assert.False(c.NoOutput);
    }

    [Fact]
    public void Process_DirectRouting_InputOnlyTableEndsInFinWait()
    {
        var (table, service, server) = Nat(ForwardingMethod.DirectRouting);
        var c = table.Create(service, server, Request, TimeSpan.Zero);
        Assert.True(c.NoOutput);
        var states = new List<IpvsState>();
        foreach (var flags in new[] { TcpFlags.Syn, TcpFlags.Ack, TcpFlags.Psh | TcpFlags.Ack, TcpFlags.Fin | TcpFlags.Ack, TcpFlags.Ack })
        {
            table.Process(c, IpvsDirection.Input, flags, 60, TimeSpan.Zero);
            states.Add(c.State);
        }

        // The two-way table would have said CLOSE_WAIT for the client's FIN; input-only says FIN_WAIT.
        Assert.Equal([IpvsState.SynRecv, IpvsState.Established, IpvsState.Established, IpvsState.FinWait, IpvsState.FinWait], states);
        Assert.Equal((0, 1), (server.ActiveConnections, server.InactiveConnections));
        Assert.Equal(0, server.OutPackets);
        Assert.True(table.LookupIn(Request, At(120) - Tick).Found);
        Assert.Equal(0, table.Advance(At(120) - Tick));
        Assert.Equal(1, table.Advance(At(120)));
        Assert.Equal(0, server.InactiveConnections);
    }

    [Fact]
    public void Process_DirectRoutingReplySeen_SwitchesToTwoWayTables()
    {
        var (table, service, server) = Nat(ForwardingMethod.Tunnel);
        var c = table.Create(service, server, Request, TimeSpan.Zero);
        table.Process(c, IpvsDirection.Input, TcpFlags.Syn, 60, TimeSpan.Zero);
        table.Process(c, IpvsDirection.Output, TcpFlags.Syn | TcpFlags.Ack, 60, TimeSpan.Zero);
        table.Process(c, IpvsDirection.Input, TcpFlags.Ack, 60, TimeSpan.Zero);
        table.Process(c, IpvsDirection.Input, TcpFlags.Fin, 60, TimeSpan.Zero);

        Assert.False(c.NoOutput);
        Assert.Equal(IpvsState.CloseWait, c.State);
    }

    [Fact]
    public void Process_SegmentWithoutFlags_GoesToClose()
    {
        var (table, service, server) = Nat();
        var c = table.Create(service, server, Request, TimeSpan.Zero);
        table.Process(c, IpvsDirection.Input, TcpFlags.Syn, 60, TimeSpan.Zero);

        table.Process(c, IpvsDirection.Input, TcpFlags.None, 60, TimeSpan.Zero);

        Assert.Equal(IpvsState.Close, c.State);
    }

    [Fact]
    public void SetIpvsadm_NewValues_UsedByTheNextTransitionAndZeroKeeps()
    {
        var (table, service, server) = Nat();
        table.Timeouts.SetIpvsadm(3600, 0, 60);
        var c = table.Create(service, server, Request, TimeSpan.Zero);

        table.Process(c, IpvsDirection.Input, TcpFlags.Syn, 60, TimeSpan.Zero);
        table.Process(c, IpvsDirection.Input, TcpFlags.Ack, 60, TimeSpan.Zero);

        Assert.Equal(At(3600), c.ExpiresAt);
        Assert.Equal((3600, 120, 60), (table.Timeouts.TcpSeconds, table.Timeouts.TcpFinSeconds, table.Timeouts.UdpSeconds));
    }

    [Fact]
    public void Schedule_PersistentService_PinsClientUntilTemplateTimesOut()
    {
        var service = new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler());
        // Added last, the backend is the head of the kernel's list, where the fake scheduler starts.
        var second = service.AddServer(Ipv4Address.Parse("10.244.2.3"), 8080);
        var first = service.AddServer(Backend, 8080);
        service.SetPersistence(30);
        var table = new ConnectionTable();

        var a = table.Schedule(service, Request, TimeSpan.Zero);
        table.Process(a.Connection!, IpvsDirection.Input, TcpFlags.Rst, 60, TimeSpan.Zero);
        var b = table.Schedule(service, Request with { SourcePort = 50000 }, At(5));
        var other = table.Schedule(service, Request with { Source = Ipv4Address.Parse("10.244.0.6") }, At(5));

        Assert.Equal(PersistenceOutcome.TemplateCreated, a.Persistence);
        Assert.Same(first, a.Decision!.Server);
        Assert.Equal(PersistenceOutcome.TemplateHit, b.Persistence);
        Assert.Same(first, b.Connection!.Server);
        Assert.Same(a.Template, b.Template);
        Assert.Same(second, other.Connection!.Server);
        Assert.Equal(2, a.Template!.ControlledCount);
        Assert.Equal(0, a.Template.ClientPort);
        Assert.Equal(8080, a.Template.DestinationPort);
        Assert.Equal(2, first.Connections);

        // b was never answered: it leaves at 5 + 3 s; the template was re-armed by b, so it lasts until 5 + 30 s.
        Assert.NotNull(table.FindTemplate(IpProtocol.Tcp, Client, ClusterIp, 80, At(35) - Tick));
        Assert.Null(table.FindTemplate(IpProtocol.Tcp, Client, ClusterIp, 80, At(35)));
        var afterwards = table.Schedule(service, Request with { SourcePort = 50001 }, At(40));
        Assert.Equal(PersistenceOutcome.TemplateCreated, afterwards.Persistence);
    }

    [Fact]
    public void Advance_TemplateStillControlling_RearmedForSixtySeconds()
    {
        var service = new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler());
        service.AddServer(Backend, 8080);
        service.SetPersistence(10);
        var table = new ConnectionTable();
        var result = table.Schedule(service, Request, TimeSpan.Zero);
        table.Process(result.Connection!, IpvsDirection.Input, TcpFlags.Syn, 60, TimeSpan.Zero);
        table.Process(result.Connection!, IpvsDirection.Input, TcpFlags.Ack, 60, TimeSpan.Zero);

        table.Advance(At(10));

        Assert.False(result.Template!.IsExpired);
        Assert.Equal(At(70), result.Template.ExpiresAt);
    }

    [Fact]
    public void Schedule_PersistentNetmask_WholeClientNetworkSharesOneTemplate()
    {
        var service = new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler());
        service.AddServer(Backend, 8080);
        service.AddServer(Ipv4Address.Parse("10.244.2.3"), 8080);
        service.SetPersistence(300, Ipv4Address.Parse("255.255.255.0"));
        var table = new ConnectionTable();

        var a = table.Schedule(service, Request, TimeSpan.Zero);
        var b = table.Schedule(service, Request with { Source = Ipv4Address.Parse("10.244.0.77") }, TimeSpan.Zero);

        Assert.Same(a.Template, b.Template);
        Assert.Equal(Ipv4Address.Parse("10.244.0.0"), a.Template!.ClientAddress);
        Assert.Same(a.Connection!.Server, b.Connection!.Server);
    }

    /// <summary>ip_vs_in (ip_vs_core.c): the old flow's packet (its conntrack entry confirmed) is dropped, a new one's rescheduled.</summary>
    [Theory]
    [InlineData(true, ConnectionLookupOutcome.ExpiredAndDropped)]
    [InlineData(false, ConnectionLookupOutcome.Rescheduled)]
    public void LookupIn_ServerRemovedWithExpireNodestConn_ExpiresEntryAndReportsIt(bool conntrackConfirmed, ConnectionLookupOutcome outcome)
    {
        var (table, service, server) = Nat();
        table.ExpireNodestConn = true;
        var c = table.Schedule(service, Request, TimeSpan.Zero).Connection!;
        table.Process(c, IpvsDirection.Input, TcpFlags.Syn, 60, TimeSpan.Zero);
        table.Process(c, IpvsDirection.Input, TcpFlags.Ack, 60, TimeSpan.Zero);
        Assert.Equal(1, server.ActiveConnections);

        service.RemoveServer(Backend, 8080);
        var lookup = table.LookupIn(Request, At(1), conntrackConfirmed: conntrackConfirmed);

        Assert.Equal(outcome, lookup.Outcome);
        Assert.Equal(ConnectionReuse.ServerGone, lookup.Why);
        Assert.Same(c, lookup.Connection);
        Assert.True(c.IsExpired);
        Assert.Equal(0, table.Count);
        Assert.Equal(0, server.ActiveConnections);
        Assert.False(table.LookupIn(Request, At(1)).Found);
    }

    [Fact]
    public void LookupIn_ServerRemovedWithoutExpireNodestConn_ReportsUnavailableAndKeepsEntry()
    {
        var (table, service, server) = Nat();
        var c = table.Create(service, server, Request, TimeSpan.Zero);
        table.Process(c, IpvsDirection.Input, TcpFlags.Syn, 60, TimeSpan.Zero);

        service.RemoveServer(Backend, 8080);
        var lookup = table.LookupIn(Request, At(1));

        Assert.Equal(ConnectionLookupOutcome.DestinationUnavailable, lookup.Outcome);
        Assert.False(lookup.Found);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Schedule_TemplateOfQuiescentServerWithExpireQuiescentTemplate_InvalidatedAndRescheduled()
    {
        var service = new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler());
        // Added last, the backend is the head of the kernel's list, where the fake scheduler starts.
        var second = service.AddServer(Ipv4Address.Parse("10.244.2.3"), 8080);
        var first = service.AddServer(Backend, 8080);
        service.SetPersistence(300);
        var table = ConnectionTable.KubeProxyNode();
        var a = table.Schedule(service, Request, TimeSpan.Zero);
        Assert.Same(first, a.Connection!.Server);

        service.EditServer(Backend, 8080, weight: 0);
        var b = table.Schedule(service, Request with { SourcePort = 50000 }, At(1));

        Assert.Equal(PersistenceOutcome.TemplateInvalidated, b.Persistence);
        Assert.Same(second, b.Connection!.Server);
        Assert.NotSame(a.Template, b.Template);
        // The old template stays listed, rehashed with ports 65535 so no lookup matches it, until its timer runs out.
        Assert.Equal((0xFFFF, 0xFFFF, 0), (a.Template!.VirtualPort, a.Template.DestinationPort, a.Template.ClientPort));
        Assert.False(a.Template.IsExpired);
    }

    [Fact]
    public void Schedule_NoServerCanTakeIt_NotScheduled()
    {
        var service = new VirtualService(IpProtocol.Tcp, ClusterIp, 80, new FakeScheduler());
        service.AddServer(Backend, 8080, weight: 0);
        var table = new ConnectionTable();

        var result = table.Schedule(service, Request, TimeSpan.Zero);

        Assert.False(result.Scheduled);
        Assert.Equal(0, table.Count);
    }
}
