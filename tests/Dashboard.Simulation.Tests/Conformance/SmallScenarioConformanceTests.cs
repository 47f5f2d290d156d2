using Dashboard.Simulation.Engine;
using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Scenarios;
using Dashboard.Simulation.Tests.Engine;
using Dashboard.Simulation.Tests.Kernel;

namespace Dashboard.Simulation.Tests.Conformance;

/// <summary>
/// The real kernel as the oracle: the small scenario's rules are loaded into a network namespace the way kube-proxy
/// loads them (its built-in jumps, then `iptables-restore --noflush` of a full sync), real packets are sent through
/// veth pairs, and the kernel's `xtables-monitor --trace` must equal the simulator's trace entry for entry. Where the
/// kernel draws a random endpoint, the simulator replays that choice with forceEndpoint.
/// </summary>
public sealed class SmallScenarioConformanceTests
{
    private static readonly ClusterObjects Objects = ScenarioCatalog.Load("small");
    private static readonly NodeSettings Node = NodeSettings.Default;
    private static readonly string Yaml = ScenarioCatalog.GetYaml("small");

    /// <summary>The simulator's nat table for the scenario, to read which endpoint a KUBE-SEP chain DNATs to.</summary>
    private static readonly Table Nat = NodeIptables.Build(Objects, Node).Find("nat")!;

    /// <summary>Every endpoint of the scenario as ip:port, for the lab to host.</summary>
    private static IReadOnlyList<LabEndpoint> Endpoints(EndpointBehavior behavior) =>
        EndpointsMap.Build(Objects.EndpointSlices, Node.Name).Values.SelectMany(e => e)
            .Select(e => (e.Ip.ToString(), (int)e.Port)).Distinct()
            .Select(e => new LabEndpoint(e.Item1, e.Item2, behavior)).ToList();

    private static async Task<KernelLab> StartAsync(EndpointBehavior behavior, CancellationToken ct)
    {
        var lab = await KernelLab.CreateAsync(new KernelLabOptions { Endpoints = Endpoints(behavior) }, ct);
        // As kube-proxy does it: `iptables -I` of its jump rules and canaries, then a full sync with --noflush.
        await lab.LoadRulesetAsync(NodeIptables.BuiltinJumps, ct);
        await lab.LoadRulesetNoflushAsync(IptablesProxier.SyncRestoreInput(Objects, Node), ct);
        return lab;
    }

    private static string From(LabClient client) => client switch
    {
        LabClient.External => "external",
        LabClient.RemotePod => "remote-node",
        _ => "pod",
    };

    /// <summary>The endpoint the kernel chose: the DNAT target of the last KUBE-SEP chain its trace entered.</summary>
    private static string? KernelChoice(IReadOnlyList<KernelTraceEntry> trace)
    {
        var sep = trace.LastOrDefault(t => t.Verdict.StartsWith("JUMP:KUBE-SEP-", StringComparison.Ordinal))?.Verdict["JUMP:".Length..];
        if (sep is null)
        {
            return null;
        }
        var chain = Nat.Find(sep)!;
        var dnat = chain.Rules.Select(r => r.Target).OfType<NatTarget>().Single(t => t.IsDestination);
        return $"{dnat.Address}:{dnat.Port}";
    }

    private static void AssertSameTrace(IReadOnlyList<KernelTraceEntry> kernel, IReadOnlyList<KernelTraceEntry> simulator, string what) =>
        Assert.True(kernel.SequenceEqual(simulator),
            $"{what}\nkernel:\n  {string.Join("\n  ", kernel)}\nsimulator:\n  {string.Join("\n  ", simulator)}");

    public static TheoryData<string, LabClient, int, string, int> SynCases => new()
    {
        { "external client to a NodePort (externalTrafficPolicy Cluster)", LabClient.External, 40000, "192.168.1.10", 30080 },
        { "external client to a NodePort (externalTrafficPolicy Local)", LabClient.External, 40001, "192.168.1.10", 30060 },
        { "pod on another node to a ClusterIP with 3 endpoints", LabClient.RemotePod, 40002, "10.96.0.20", 80 },
        { "pod on this node to a ClusterIP with 3 endpoints", LabClient.LocalPod, 40003, "10.96.0.20", 80 },
        { "pod on this node to a ClientIP-affinity service", LabClient.LocalPod, 40004, "10.96.0.50", 80 },
        { "pod on another node to a service with no endpoints (REJECT)", LabClient.RemotePod, 40005, "10.96.0.40", 80 },
        { "external client to a ClusterIP (masqueraded)", LabClient.External, 40006, "10.96.0.30", 80 },
        { "external client to a node port no service has", LabClient.External, 40007, "192.168.1.10", 31999 },
        { "pod on this node to an address that is no service", LabClient.LocalPod, 40008, "10.96.0.99", 80 },
    };

    [Theory]
    [MemberData(nameof(SynCases))]
    public async Task Syn_SmallScenario_SimulatorTraceEqualsKernel(string what, LabClient client, int sourcePort, string destination, int destinationPort)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await StartAsync(EndpointBehavior.Silent, ct);

        var kernel = (await lab.SendTcpSynAsync(client, sourcePort, destination, destinationPort, ct)).Syn.Entries;
        var simulated = TraceSpec.Run(new TraceSpec
        {
            Mode = "iptables",
            Objects = Yaml,
            Packets = [new() { Src = lab.AddressOf(client), Sport = sourcePort, Dst = destination, Dport = destinationPort, From = From(client), ForceEndpoint = KernelChoice(kernel) }],
        }).Packets[0];

        AssertSameTrace(kernel, simulated.Trace, what);
    }

    [Fact]
    public async Task Syn_ToSilentBackend_ConntrackEntryEqualsKernel()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await StartAsync(EndpointBehavior.Silent, ct);

        var kernelTrace = (await lab.SendTcpSynAsync(LabClient.External, 40010, "192.168.1.10", 30080, ct)).Syn.Entries;
        var kernel = Assert.Single(await lab.ListConntrackAsync(ct));

        var dataplane = NodeDataplane.ForIptablesNode(Objects, Node, seed: 1);
        var choice = KernelChoice(kernelTrace)!.Split(':');
        dataplane.Process(new Packets.Packet
        {
            Protocol = Packets.IpProtocol.Tcp,
            Source = Packets.Ipv4Address.Parse("192.168.5.5"),
            SourcePort = 40010,
            Destination = Node.Ip,
            DestinationPort = 30080,
            TcpFlags = Packets.TcpFlags.Syn,
        }, PacketOrigin.External, TimeSpan.Zero, new ForcedEndpointStatistic(Packets.Ipv4Address.Parse(choice[0]), ushort.Parse(choice[1], System.Globalization.CultureInfo.InvariantCulture)));
        var simulated = ConntrackEntry.Parse(Assert.Single(dataplane.Conntrack.Listing(TimeSpan.Zero).Lines).Text);

        Assert.Equal(kernel.Protocol, simulated.Protocol);
        Assert.Equal(kernel.State, simulated.State);
        Assert.Equal(kernel.Original, simulated.Original);
        // MASQUERADE --random-fully picks the source port at random, in the kernel and in the simulator alike.
        Assert.Equal(kernel.Reply with { DestinationPort = null }, simulated.Reply with { DestinationPort = null });
        Assert.Equal(kernel.Flags.Order(), simulated.Flags.Order());
        Assert.InRange(simulated.TimeoutSeconds, kernel.TimeoutSeconds - 2, kernel.TimeoutSeconds + 2);
    }

    public static TheoryData<string, LabClient, int, string, int> ExchangeCases => new()
    {
        { "pod on another node to a ClusterIP", LabClient.RemotePod, 40020, "10.96.0.20", 80 },
        { "external client to a NodePort", LabClient.External, 40021, "192.168.1.10", 30080 },
        { "pod on this node to a ClusterIP", LabClient.LocalPod, 40022, "10.96.0.20", 80 },
    };

    [Theory]
    [MemberData(nameof(ExchangeCases))]
    public async Task TcpHandshake_RequestReplyAndEstablished_SimulatorTracesEqualKernel(string what, LabClient client, int sourcePort, string destination, int destinationPort)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await StartAsync(EndpointBehavior.Answering, ct);
        await using var exchange = await lab.OpenTcpConnectionAsync(client, sourcePort, destination, destinationPort, ct);

        var choice = KernelChoice(exchange.Syn.Entries);
        var syn = new PacketSpec { Src = lab.AddressOf(client), Sport = sourcePort, Dst = destination, Dport = destinationPort, From = From(client), ForceEndpoint = choice };
        var first = TraceSpec.Run(new TraceSpec { Mode = "iptables", Objects = Yaml, Packets = [syn] }).Packets[0];
        // The reply as the backend sends it: to the (possibly masqueraded) source the SYN left the node with.
        var after = first.HeadersAfter;
        var backend = choice!.Split(':');
        var reply = new PacketSpec
        {
            Src = backend[0], Sport = int.Parse(backend[1], System.Globalization.CultureInfo.InvariantCulture), Dst = after.Src, Dport = after.Sport,
            Flags = "SA", From = Node.PodCidr.Contains(Packets.Ipv4Address.Parse(backend[0])) ? "pod" : "remote-node",
        };
        var ack = syn with { Flags = "A", ForceEndpoint = null };
        var simulated = TraceSpec.Run(new TraceSpec { Mode = "iptables", Objects = Yaml, Packets = [syn, reply, ack] }).Packets;

        AssertSameTrace(exchange.Syn.Entries, simulated[0].Trace, what + ": SYN");
        AssertSameTrace(exchange.SynAck.Entries, simulated[1].Trace, what + ": SYN-ACK (reply, un-NATed by conntrack)");
        AssertSameTrace(exchange.Ack.Entries, simulated[2].Trace, what + ": ACK (established, no nat table)");
        Assert.Equal("ESTABLISHED", simulated[2].Conntrack.TcpState);
    }

    [Fact]
    public async Task Udp_DnsQueryAndAnswer_SimulatorTracesEqualKernel()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await StartAsync(EndpointBehavior.Answering, ct);

        var kernel = await lab.SendUdpAsync(LabClient.LocalPod, 40030, "10.96.0.10", 53, ct);
        Assert.NotNull(kernel.Reply);
        var choice = KernelChoice(kernel.Request.Entries)!;
        var backend = choice.Split(':');
        var query = new PacketSpec { Src = "10.244.0.5", Sport = 40030, Dst = "10.96.0.10", Dport = 53, Proto = "udp", From = "pod", ForceEndpoint = choice };
        var answer = new PacketSpec { Src = backend[0], Sport = 53, Dst = "10.244.0.5", Dport = 40030, Proto = "udp", From = "remote-node" };
        var simulated = TraceSpec.Run(new TraceSpec { Mode = "iptables", Objects = Yaml, Packets = [query, answer] }).Packets;

        AssertSameTrace(kernel.Request.Entries, simulated[0].Trace, "DNS query");
        AssertSameTrace(kernel.Reply!.Entries, simulated[1].Trace, "DNS answer");
        Assert.Equal("10.96.0.10", simulated[1].HeadersAfter.Src);
    }

    [Fact]
    public async Task GeneratedRules_RestoredIntoKernel_SaveGivesTheSameText()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(new KernelLabOptions(), ct);
        var saved = IptablesRules.Save(Objects, Node);

        await lab.LoadRulesetAsync(saved, ct);

        Assert.Equal(saved, await lab.SaveAsync(ct));
    }

    [Fact]
    public async Task MixedGeneratedRules_RestoredIntoKernel_SaveGivesTheSameText()
    {
        // The dashboard's generated clusters: NodePorts, UDP and TCP 53, pods on this node among the rest.
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(new KernelLabOptions(), ct);
        var saved = IptablesRules.Save(Scenarios.ScenarioCatalog.GenerateObjects(200, 3, mixed: true), Node);
        Assert.Contains("-A KUBE-NODEPORTS ", saved, StringComparison.Ordinal);
        Assert.Contains("-p udp ", saved, StringComparison.Ordinal);

        await lab.LoadRulesetAsync(saved, ct);

        Assert.Equal(saved, await lab.SaveAsync(ct));
    }

    [Fact]
    public async Task KubeProxyStyleLoad_KernelSave_EqualsTheRulesEndpointText()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await StartAsync(EndpointBehavior.Silent, ct);

        Assert.Equal(IptablesRules.Save(Objects, Node), await lab.SaveAsync(ct));
    }
}
