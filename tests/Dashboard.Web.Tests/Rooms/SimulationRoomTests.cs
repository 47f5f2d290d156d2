using Dashboard.Simulation.Listings;
using Dashboard.Web.Rooms;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Web.Tests.Rooms;

/// <summary>The room the compare page and the hub talk to: settings, driving the run, tables, snapshots and viewers.</summary>
public sealed class SimulationRoomTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly RecordingHubContext _hub = new();
    private readonly SimulationRoom _room;

    public SimulationRoomTests()
    {
        _room = new SimulationRoom("room-1", _hub, NullLogger<SimulationRoom>.Instance);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _room.DisposeAsync();

    /// <summary>Waits for the room's background loop to bring a condition about, or fails saying what never happened.</summary>
    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"{what} did not happen within {Patience.TotalSeconds} s");
            }
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<T> Next<T>(System.Threading.Channels.Channel<T> channel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Patience);
        return await channel.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>A cluster with one headless service: kube-proxy serves nothing, so there is no traffic.</summary>
    private const string HeadlessOnly = """
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: demo}
        spec:
          clusterIP: None
          ports: [{name: sql, port: 5432, protocol: TCP, targetPort: 5432}]
        """;

    /// <summary>Nine levels of nine aliases each: 387 million nodes from a few hundred characters.</summary>
    private static readonly string AliasBomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + string.Concat(Enumerable.Range(1, 9).Select(i =>
        $"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]\n"));

    private const string SctpService = """
        apiVersion: v1
        kind: Service
        metadata: {name: sig, namespace: demo}
        spec:
          clusterIP: 10.96.0.90
          ports: [{name: sig, port: 2905, protocol: SCTP, targetPort: 2905}]
        """;

    public static TheoryData<string, string> InvalidSettings => new()
    {
        { "mode", "modes must be one to three distinct of iptables, ipvs" },
        { "scheduler", "scheduler \"fastest\"" },
        { "forwarding", "forwarding \"teleport\"" },
        { "slow", "speed 0.001" },
        { "fast", "speed 5000" },
        { "few services", "generated services 5" },
        { "many services", "generated services 50001" },
        { "scenario", "no built-in scenario \"huge\"" },
        { "bad yaml", "malformed YAML" },
        { "bad json", "JSON" },
        { "not kubernetes", "expected a Kubernetes object" },
        { "self alias", "names no anchor" },
        { "alias bomb", "expands to more than" },
        { "deep nesting", "nest deeper than 64 levels" },
        { "bad traffic", "requests per connection 0" },
        { "weights", "weights: each weight must be from 0 to 65535" },
    };

    private static RoomSettings Invalid(string problem) => problem switch
    {
        "mode" => RoomSettings.Default with { Modes = ["nftables"] },
        "scheduler" => RoomSettings.Default with { Scheduler = "fastest" },
        "forwarding" => RoomSettings.Default with { Forwarding = "teleport" },
        "slow" => RoomSettings.Default with { Speed = 0.001 },
        "fast" => RoomSettings.Default with { Speed = 5000 },
        "few services" => RoomSettings.Default with { GeneratedServices = 5 },
        "many services" => RoomSettings.Default with { GeneratedServices = 50_001 },
        "scenario" => RoomSettings.Default with { Scenario = "huge" },
        "bad yaml" => RoomSettings.Default with { PastedObjects = "items:\n  - kind: [Service\n  bad: : :" },
        "bad json" => RoomSettings.Default with { PastedObjects = "{\"items\": [" },
        "not kubernetes" => RoomSettings.Default with { PastedObjects = "- 1\n- 2\n" },
        // Before the reader bounded aliases, this crashed the whole server with a stack overflow.
        "self alias" => RoomSettings.Default with { PastedObjects = "&a [*a]" },
        "alias bomb" => RoomSettings.Default with { PastedObjects = AliasBomb },
        // Before the reader refused nesting while it read, 40,000 '[' overflowed the stack and ended the process.
        "deep nesting" => RoomSettings.Default with { PastedObjects = new string('[', 40_000) + new string(']', 40_000) },
        "bad traffic" => RoomSettings.Default with { Traffic = RoomSettings.Default.Traffic with { RequestsPerConnection = 0 } },
        "weights" => RoomSettings.Default with { Weights = [70_000] },
        _ => throw new ArgumentOutOfRangeException(nameof(problem)),
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task ApplyAsync_InvalidSettings_FailedWithErrorNamingTheProblem(string problem, string named)
    {
        await _room.ApplyAsync(Invalid(problem));

        Assert.Equal(RoomStatus.Failed, _room.Snapshot.Status);
        Assert.Contains(named, _room.Snapshot.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Null(_room.StepPacket());
        Assert.Empty(_room.Tools(0));
    }

    [Fact]
    public async Task ApplyAsync_SpeedWhileBuilding_KeepsTheBuildAndRunsAtTheNewSpeed()
    {
        var settings = RoomSettings.Default with { GeneratedServices = 2_000 };
        var building = _room.ApplyAsync(settings);

        await _room.ApplyAsync(settings with { Speed = 10 });
        await building;

        Assert.Equal(1, _room.Snapshot.Generation);
        Assert.Equal(RoomStatus.Paused, _room.Snapshot.Status);
        Assert.Equal(10, _room.Snapshot.Settings.Speed);
    }

    [Fact]
    public async Task ApplyAsync_SpeedOnlyChangedOutOfRange_FailedNotAccepted()
    {
        await _room.ApplyAsync(RoomSettings.Default);

        await _room.ApplyAsync(RoomSettings.Default with { Speed = 5000 });

        // A speed the loop must not run at is as wrong as any other setting, even when nothing else changed.
        Assert.Equal(RoomStatus.Failed, _room.Snapshot.Status);
        Assert.Contains("speed 5000", _room.Snapshot.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyAsync_SpeedOnly_KeepsRunningWithoutRestart()
    {
        var viewer = _hub.For("viewer");
        _room.AddViewer("viewer");
        await _room.ApplyAsync(RoomSettings.Default);
        var restarted = await Next(viewer.Restarts);
        _room.StepPacket();
        var before = _room.Snapshot;

        await _room.ApplyAsync(RoomSettings.Default with { Speed = 10 });

        var after = _room.Snapshot;
        Assert.Equal(before.Generation, after.Generation);
        Assert.Equal(10, after.Settings.Speed);
        // The packets simulated so far are kept: the next step continues the same traffic.
        Assert.Equal(before.PacketsSimulated, after.PacketsSimulated);
        Assert.Equal(before.PacketsSimulated + 1, _room.StepPacket()!.Id);
        Assert.False(viewer.Restarts.Reader.TryRead(out _));
        Assert.Equal(restarted.Generation, after.Generation);
    }

    [Fact]
    public async Task ApplyAsync_OtherChange_RestartsWithNewGenerationAndTellsViewers()
    {
        var viewer = _hub.For("viewer");
        _room.AddViewer("viewer");
        await _room.ApplyAsync(RoomSettings.Default);
        var first = await Next(viewer.Restarts);
        _room.StepPacket();

        await _room.ApplyAsync(RoomSettings.Default with { Seed = 2 });

        var second = await Next(viewer.Restarts);
        Assert.NotEqual(first.Generation, second.Generation);
        Assert.Equal(second.Generation, _room.Snapshot.Generation);
        Assert.Equal("room-1", second.RoomId);
        Assert.Equal(["iptables", "ipvs"], second.Layouts.Select(l => l.Mode));
        // A new run: packet ids start again.
        Assert.Equal(0, _room.Snapshot.PacketsSimulated);
        Assert.Equal(1, _room.StepPacket()!.Id);
    }

    [Fact]
    public async Task StepPacket_WhilePlaying_ReturnsTheNextPacketAndPauses()
    {
        await _room.ApplyAsync(RoomSettings.Default with { Speed = 10 });
        _room.Play();
        await WaitUntil(() => _room.Snapshot.PacketsSimulated > 0, "a packet simulated while playing");

        var first = _room.StepPacket()!;
        var second = _room.StepPacket()!;

        Assert.Equal(RoomStatus.Paused, _room.Snapshot.Status);
        Assert.Equal(first.Id + 1, second.Id);
        Assert.True(second.Packet.At >= first.Packet.At);
        Assert.Equal(second.Id, _room.Snapshot.PacketsSimulated);
        // Every lane's trace, for the inspector.
        Assert.Equal(2, second.Lanes.Count);
        Assert.Equal(2, second.Wire.Lanes.Count);
        // Paused: the clock no longer moves on its own.
        var paused = _room.Snapshot.PacketsSimulated;
        var version = _room.Snapshot.Version;
        await WaitUntil(() => _room.Snapshot.Version > version + 2, "a few more snapshots");
        Assert.Equal(paused, _room.Snapshot.PacketsSimulated);
    }

    [Fact]
    public async Task StepPacket_NoTraffic_ReturnsNullWithoutThrowing()
    {
        await _room.ApplyAsync(RoomSettings.Default with { PastedObjects = HeadlessOnly });
        Assert.Equal(RoomStatus.Paused, _room.Snapshot.Status);
        Assert.Contains(_room.Snapshot.Warnings, w => w.Contains("no traffic", StringComparison.Ordinal));

        // The step button on a cluster with nothing to reach: nothing to show, not an error in the circuit.
        Assert.Null(_room.StepPacket());
    }

    [Fact]
    public async Task StepToPacket_ARoomOfTheSameSettings_ReachesTheSamePacket()
    {
        // A link's selected packet: a second room opened with the same settings (the same seed) steps to the packet
        // the first one simulated 40th, the same conversation at the same virtual time with the same hops.
        await _room.ApplyAsync(RoomSettings.Default);
        var stepped = Enumerable.Range(0, 40).Select(_ => _room.StepPacket()!).ToList();
        await using var other = new SimulationRoom("room-2", new RecordingHubContext(), NullLogger<SimulationRoom>.Instance);
        await other.ApplyAsync(RoomSettings.Default);

        var reached = other.StepToPacket(stepped[^1].Id);

        Assert.NotNull(reached);
        Assert.Equal(stepped[^1].Id, reached.Id);
        Assert.Equal(stepped[^1].Packet.Conversation.Id, reached.Packet.Conversation.Id);
        Assert.Equal(stepped[^1].Packet.At, reached.Packet.At);
        Assert.Equal(stepped[^1].Wire.Lanes.Select(l => l?.Hops.Count), reached.Wire.Lanes.Select(l => l?.Hops.Count));
        Assert.Equal(RoomStatus.Paused, other.Snapshot.Status);
        // The packets before it are kept as if stepped one by one, and one already simulated is found, not stepped past.
        Assert.NotNull(other.FindPacket(stepped[5].Id));
        Assert.Equal(stepped[5].Id, other.StepToPacket(stepped[5].Id)!.Id);
        Assert.Equal(stepped[^1].Id + 1, other.StepPacket()!.Id);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(SimulationRoom.MaxSeekPackets + 1)]
    public async Task StepToPacket_OutOfReach_NullAndNothingSimulated(long id)
    {
        await _room.ApplyAsync(RoomSettings.Default);

        Assert.Null(_room.StepToPacket(id));
        Assert.Equal(1, _room.StepPacket()!.Id);
    }

    [Fact]
    public async Task FindPacket_RecentPacket_FoundWithItsTrace()
    {
        await _room.ApplyAsync(RoomSettings.Default);
        var stepped = Enumerable.Range(0, 20).Select(_ => _room.StepPacket()!).ToList();

        var found = _room.FindPacket(stepped[7].Id);

        Assert.NotNull(found);
        Assert.Same(stepped[7].Packet, found.Packet);
        Assert.Equal(stepped[7].Wire.Lanes.Select(l => l?.Hops.Count), found.Wire.Lanes.Select(l => l?.Hops.Count));
        Assert.Null(_room.FindPacket(stepped[^1].Id + 1));
    }

    /// <summary>kube-proxy writes `-m sctp -p sctp` rules for an SCTP port; the room once failed to load them, the API answered 500.</summary>
    [Fact]
    public async Task ApplyAsync_SctpService_BuildsBothModesWithSctpRules()
    {
        await _room.ApplyAsync(RoomSettings.Default with { PastedObjects = SctpService });

        Assert.Equal(RoomStatus.Paused, _room.Snapshot.Status);
        // The service has no endpoints: kube-proxy rejects its clients in the filter table, an SCTP match like any other.
        Assert.Contains(_room.Tools(0)[0].Listing.Lines, l =>
            l.Text == "-A KUBE-SERVICES -d 10.96.0.90/32 -p sctp -m comment --comment \"demo/sig:sig has no endpoints\" -m sctp --dport 2905 -j REJECT --reject-with icmp-port-unreachable");
        Assert.Contains(_room.Tools(1).Single(t => t.Tool == "ipvsadm -Ln").Listing.Lines, l => l.Text.StartsWith("SCTP  10.96.0.90:2905", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tools_IptablesAndIpvsLanes_PrintTheirToolsAndFindRuleLines()
    {
        await _room.ApplyAsync(RoomSettings.Default);

        var iptables = _room.Tools(0);
        var ipvs = _room.Tools(1);

        Assert.Equal(["iptables-save"], iptables.Select(t => t.Tool));
        Assert.Equal(["iptables-save", "ipvsadm -Ln", "ipset list"], ipvs.Select(t => t.Tool));
        var save = iptables[0].Listing;
        var first = save.LineOf(new RuleAnchor("nat", "KUBE-SERVICES", 1))!.Value;
        var second = save.LineOf(new RuleAnchor("nat", "KUBE-SERVICES", 2))!.Value;
        Assert.Equal(first + 1, second);
        // Rule 1 of the nat chain, not of the filter table's KUBE-SERVICES of the same name: the first such line after *nat.
        var natStart = save.Lines.First(l => l.Text == "*nat").Number;
        Assert.Equal(first, save.Lines.First(l => l.Number > natStart && l.Text.StartsWith("-A KUBE-SERVICES ", StringComparison.Ordinal)).Number);
        Assert.Null(save.LineOf(new RuleAnchor("nat", "KUBE-NO-SUCH-CHAIN", 1)));
        Assert.Contains(ipvs[1].Listing.Lines, l => l.Text.StartsWith("TCP  10.96.0.20:80 rr", StringComparison.Ordinal));
        Assert.Contains(ipvs[2].Listing.Lines, l => l.Text == "Name: KUBE-CLUSTER-IP");
        Assert.Empty(_room.Tools(2));
    }

    [Fact]
    public async Task ApplyAsync_Node_ItsClusterCidrDecidesWhatIsMasqueraded()
    {
        var node = Simulation.Kubernetes.NodeSettings.Default with { ClusterCidr = Simulation.Packets.Ipv4Prefix.Parse("10.100.0.0/16") };

        await _room.ApplyAsync(RoomSettings.Default with { Node = node });

        // kube-proxy's local-traffic detector: traffic to a ClusterIP from outside the cluster CIDR is marked for masquerade.
        var save = _room.Tools(0)[0].Listing.Text;
        Assert.Matches(@"! -s 10\.100\.0\.0/16 .*-j KUBE-MARK-MASQ", save);
        Assert.DoesNotContain("! -s 10.244.0.0/16", save, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyAsync_Weights_TheIpvsPaneNamesThemAndIpvsadmShowsThem()
    {
        await _room.ApplyAsync(RoomSettings.Default with { Scheduler = "wrr", Weights = [3, 1] });

        Assert.Equal("IPVS (wrr, NAT, weights 3,1)", _room.Snapshot.Layouts[1].Title);
        // ipvsadm -Ln's columns: -> RemoteAddress:Port Forward Weight ActiveConn InActConn.
        var realServers = _room.Tools(1).Single(t => t.Tool == "ipvsadm -Ln").Listing.Lines
            .Select(l => l.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 6 && f[0] == "->" && f[2] == "Masq").Select(f => f[3]).ToList();
        Assert.Contains("3", realServers);
        Assert.Contains("1", realServers);
        Assert.DoesNotContain(realServers, w => w is not ("3" or "1"));
    }

    [Fact]
    public async Task Tables_AfterTraffic_ConntrackLinesMatchTheTotal()
    {
        await _room.ApplyAsync(RoomSettings.Default);
        for (var i = 0; i < 40; i++)
        {
            _room.StepPacket();
        }

        var iptables = _room.Tables(0)!;
        var ipvs = _room.Tables(1)!;

        Assert.True(iptables.ConntrackTotal > 0);
        Assert.Equal(iptables.ConntrackTotal, iptables.Conntrack.Lines.Count);
        Assert.All(iptables.Conntrack.Lines, l => Assert.Matches(@"^(tcp|udp) +\d+ ", l.Text));
        Assert.Null(iptables.IpvsConnections);
        Assert.Equal(ipvs.ConntrackTotal, ipvs.Conntrack.Lines.Count);
        Assert.True(ipvs.IpvsConnectionsTotal > 0);
        Assert.Contains(ipvs.IpvsConnections!.Lines, l => l.Text.StartsWith("TCP ", StringComparison.Ordinal) || l.Text.StartsWith("UDP ", StringComparison.Ordinal));
        // conntrack hashes every connection twice, by its original and its reply tuple.
        Assert.Equal(2 * iptables.ConntrackTotal, iptables.Heat.Single(h => h.Table == "conntrack").Entries);
        Assert.Null(_room.Tables(2));
    }

    [Fact]
    public async Task Tables_FocusedOnAPacket_ShowItsOwnEntriesWhereverTheyAre()
    {
        await _room.ApplyAsync(RoomSettings.Default with { Traffic = RoomSettings.Default.Traffic with { UdpShare = 0, PodOnOtherNodeWeight = 0, ExternalWeight = 0 } });
        var first = _room.StepPacket()!;
        for (var i = 0; i < 40; i++)
        {
            _room.StepPacket();
        }
        // The first connection: a pod on this node to a ClusterIP, as the traffic generator opened it.
        var conversation = first.Packet.Conversation;
        var original = $"src={conversation.Client} dst={conversation.Target.Address} sport={conversation.ClientPort} dport={conversation.Target.Port}";

        var iptables = _room.Tables(0, TableFocus.Of(first, 0))!;
        var ipvs = _room.Tables(1, TableFocus.Of(first, 1))!;

        Assert.Contains(original, iptables.SelectedConntrack, StringComparison.Ordinal);
        Assert.Contains(original, ipvs.SelectedConntrack, StringComparison.Ordinal);
        Assert.Matches($@"^TCP +\S+ +\S+ +{conversation.Client}:{conversation.ClientPort} +{conversation.Target.Address}:{conversation.Target.Port} ", ipvs.SelectedIpvs);
        Assert.Null(iptables.SelectedIpvs);
        Assert.Null(_room.Tables(0)!.SelectedConntrack);
        // The buckets the lookups named are the ones the heat maps outline.
        var focus = TableFocus.Of(first, 1)!;
        Assert.Equal([HeatTables.Conntrack, HeatTables.IpvsConnection, HeatTables.IpvsService], focus.Buckets.Keys.Order());
    }

    [Fact]
    public async Task Subscribe_WhilePlaying_SnapshotsUntilDisposed()
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<RoomSnapshot>();
        await _room.ApplyAsync(RoomSettings.Default with { Speed = 20 });
        var subscription = _room.Subscribe(s =>
        {
            seen.Enqueue(s);
            return Task.CompletedTask;
        });

        _room.Play();
        await WaitUntil(() => seen.Count(s => s.Status == RoomStatus.Playing && s.PacketsSimulated > 0) >= 3, "three snapshots of a playing room");
        subscription.Dispose();
        // A snapshot being published while Dispose ran may still arrive; none taken after it may.
        var last = _room.Snapshot.Version;
        await WaitUntil(() => _room.Snapshot.Version > last + 3, "more snapshots after the subscription ended");

        Assert.All(seen, s => Assert.True(s.Version <= last, $"snapshot {s.Version} arrived after Dispose (last {last})"));
        var playing = seen.Where(s => s.Status == RoomStatus.Playing).ToList();
        Assert.Equal(playing.Select(s => s.Version).Order(), playing.Select(s => s.Version));
        Assert.Equal(2, playing[^1].Lanes.Count);
    }

    [Fact]
    public async Task Play_Viewer_ReceivesBatchesWithHopsInOrderOfOneGeneration()
    {
        var viewer = _hub.For("viewer");
        _room.AddViewer("viewer");
        await _room.ApplyAsync(RoomSettings.Default with { Speed = 20 });
        var welcome = await Next(viewer.Restarts);

        _room.Play();
        var batches = new List<PacketBatch>();
        while (batches.Sum(b => b.Packets.Count) < 20)
        {
            batches.Add(await Next(viewer.Batches));
        }

        Assert.All(batches, b => Assert.Equal(welcome.Generation, b.Generation));
        Assert.Equal(batches.Select(b => b.Seq).Order(), batches.Select(b => b.Seq));
        Assert.Equal(batches.Count, batches.Select(b => b.Seq).Distinct().Count());
        var packets = batches.SelectMany(b => b.Packets).ToList();
        // A lane that carried the packet shows its way; a lane whose connection had ended (a rejected SYN's
        // followers) carries nothing.
        Assert.All(packets.SelectMany(p => p.Lanes), l => Assert.True(l is null || l.Hops.Count > 0));
        Assert.All(packets.Where(p => p.Flags == "S"), p => Assert.All(p.Lanes, l => Assert.NotNull(l)));
        Assert.Equal(packets.Select(p => p.Id).Order(), packets.Select(p => p.Id));
        Assert.All(batches, b => Assert.Equal(0, b.Skipped));
    }

    [Fact]
    public async Task AddViewer_ViewerThatDoesNotRead_RoomKeepsSimulatingAndCountsSkippedEvents()
    {
        var slow = _hub.For("slow");
        var hold = _hub.HoldBatches("slow");
        _room.AddViewer("slow");
        await _room.ApplyAsync(RoomSettings.Default with { Speed = 20 });

        // Far more batches than the viewer's queue holds, while its first send never completes.
        for (var i = 0; i < 40; i++)
        {
            Assert.NotNull(_room.StepPacket());
        }
        _room.Play();
        var simulated = _room.Snapshot.PacketsSimulated;
        await WaitUntil(() => _room.Snapshot.PacketsSimulated > simulated + 20, "the room simulating on while its viewer is stuck");
        await WaitUntil(() => slow.BatchSendsStarted > 0, "the first send to the viewer");
        // One send at a time: the rest wait in the viewer's queue, and the oldest of them are dropped.
        Assert.Equal(1, slow.BatchSendsStarted);

        hold.SetResult();
        var received = new List<PacketBatch>();
        while (received.Count < 2 || received[^1].Skipped == 0)
        {
            received.Add(await Next(slow.Batches));
        }

        // The viewer learns how many events (hops) it missed, and gaps in Seq (batches count from 1) show where.
        Assert.True(received[^1].Skipped > 0);
        Assert.True(received.Count < received[^1].Seq, $"{received.Count} batches received up to Seq {received[^1].Seq}: none was dropped");
    }
}
