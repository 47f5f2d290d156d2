using Dashboard.Simulation.Engine;
using Xunit;

namespace Dashboard.Simulation.Tests.Kernel;

/// <summary>
/// docs/DOMAIN.md section 7's worked example, traced by the real kernel: the facts the harness must reproduce before
/// it can judge the simulator. Expectations are written by hand because they are the kernel's documented behaviour.
/// </summary>
public sealed class WorkedExampleKernelTests
{
    /// <summary>The worked example's ruleset as kube-proxy writes it (iptables-restore normalises it on load).</summary>
    public const string Ruleset = """
        *nat
        :PREROUTING ACCEPT [0:0]
        :INPUT ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-NODEPORTS - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SEP-1 - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-SVC-AAAA - [0:0]
        -A PREROUTING -j KUBE-SERVICES
        -A POSTROUTING -j KUBE-POSTROUTING
        -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
        -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
        -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
        -A KUBE-POSTROUTING -j MASQUERADE --random-fully
        -A KUBE-SERVICES -d 10.96.0.11/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-AAAA
        -A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-AAAA
        -A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
        -A KUBE-SVC-AAAA ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ
        -A KUBE-SVC-AAAA -j KUBE-SEP-1
        -A KUBE-SEP-1 -s 10.244.1.2/32 -j KUBE-MARK-MASQ
        -A KUBE-SEP-1 -p tcp -m tcp -j DNAT --to-destination 10.244.1.2:8080
        COMMIT
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :KUBE-FORWARD - [0:0]
        -A FORWARD -j KUBE-FORWARD
        -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
        -A KUBE-FORWARD -m mark --mark 0x4000/0x4000 -j ACCEPT
        COMMIT

        """;

    private static readonly KernelTraceEntry[] ExternalSynToService =
    [
        new("nat", "PREROUTING", 1, "JUMP:KUBE-SERVICES"),
        new("nat", "KUBE-SERVICES", 2, "JUMP:KUBE-SVC-AAAA"),
        new("nat", "KUBE-SVC-AAAA", 1, "JUMP:KUBE-MARK-MASQ"),
        new("nat", "KUBE-MARK-MASQ", 1, "CONTINUE"),
        new("nat", "KUBE-SVC-AAAA", 2, "JUMP:KUBE-SEP-1"),
        new("nat", "KUBE-SEP-1", 2, "ACCEPT"),
        new("filter", "FORWARD", 1, "JUMP:KUBE-FORWARD"),
        new("filter", "KUBE-FORWARD", 2, "ACCEPT"),
        new("nat", "POSTROUTING", 1, "JUMP:KUBE-POSTROUTING"),
        new("nat", "KUBE-POSTROUTING", 2, "CONTINUE"),
        new("nat", "KUBE-POSTROUTING", 3, "ACCEPT"),
    ];

    // Later packets of a flow skip nat (conntrack holds the binding) and carry no 0x4000 mark (it is set on the
    // first packet only), so the filter walk falls through KUBE-FORWARD to FORWARD's policy.
    private static readonly KernelTraceEntry[] EstablishedFlowPacket =
    [
        new("filter", "FORWARD", 1, "JUMP:KUBE-FORWARD"),
        new("filter", "FORWARD", null, "POLICY:ACCEPT"),
    ];

    [Fact]
    public async Task SendTcpSyn_ExternalClientToService_TracesTheElevenWorkedExampleEntries()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(WithBackend(EndpointBehavior.Silent), ct);
        await lab.LoadRulesetAsync(Ruleset, ct);

        var result = await lab.SendTcpSynAsync(LabClient.External, 40000, "10.96.0.10", 80, ct);

        AssertTrace(ExternalSynToService, result.Syn);
    }

    [Fact]
    public async Task SendTcpSyn_ToAddressWithoutService_FallsOffKubeServicesAndReturnsFromKubePostrouting()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(WithBackend(EndpointBehavior.Silent), ct);
        await lab.LoadRulesetAsync(Ruleset, ct);

        var result = await lab.SendTcpSynAsync(LabClient.External, 40000, "10.96.0.99", 80, ct);

        AssertTrace(
            [
                new("nat", "PREROUTING", 1, "JUMP:KUBE-SERVICES"),
                new("nat", "PREROUTING", null, "POLICY:ACCEPT"),
                new("filter", "FORWARD", 1, "JUMP:KUBE-FORWARD"),
                new("filter", "FORWARD", null, "POLICY:ACCEPT"),
                new("nat", "POSTROUTING", 1, "JUMP:KUBE-POSTROUTING"),
                new("nat", "KUBE-POSTROUTING", 1, "RETURN"),
                new("nat", "POSTROUTING", null, "POLICY:ACCEPT"),
            ],
            result.Syn);
    }

    [Fact]
    public async Task SendTcpSyn_ToSilentBackend_LeavesOneMasqueradedSynSentEntry()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(WithBackend(EndpointBehavior.Silent), ct);
        await lab.LoadRulesetAsync(Ruleset, ct);

        var result = await lab.SendTcpSynAsync(LabClient.External, 40000, "10.96.0.10", 80, ct);
        var entries = await lab.ListConntrackAsync(ct);

        Assert.Equal(TcpConnectOutcome.TimedOut, result.Outcome);
        var entry = Assert.Single(entries);
        Assert.Equal("tcp", entry.Protocol);
        Assert.Equal("SYN_SENT", entry.State);
        Assert.Equal(new ConntrackTuple("192.168.5.5", "10.96.0.10", 40000, 80), entry.Original);
        Assert.Equal(("10.244.1.2", 8080, "192.168.1.10"), (entry.Reply.Source, entry.Reply.SourcePort, entry.Reply.Destination));
        Assert.True(entry.HasFlag("UNREPLIED"), entry.Line);
        Assert.Equal(0u, entry.Mark);
    }

    [Fact]
    public async Task OpenTcpConnection_ToAnsweringBackend_RepliesSkipNatAndTheEntryIsEstablished()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(WithBackend(EndpointBehavior.Answering), ct);
        await lab.LoadRulesetAsync(Ruleset, ct);

        await using var exchange = await lab.OpenTcpConnectionAsync(LabClient.External, 40001, "10.96.0.10", 80, ct);
        var entries = await lab.ListConntrackAsync(ct);

        AssertTrace(ExternalSynToService, exchange.Syn);
        Assert.DoesNotContain(exchange.SynAck.Entries, e => e.Table == "nat");
        AssertTrace(EstablishedFlowPacket, exchange.SynAck);
        AssertTrace(EstablishedFlowPacket, exchange.Ack);
        var entry = Assert.Single(entries);
        Assert.Equal("ESTABLISHED", entry.State);
        Assert.True(entry.HasFlag("ASSURED"), entry.Line);
        Assert.Equal(new ConntrackTuple("192.168.5.5", "10.96.0.10", 40001, 80), entry.Original);
        Assert.Equal(("10.244.1.2", 8080, "192.168.1.10"), (entry.Reply.Source, entry.Reply.SourcePort, entry.Reply.Destination));
    }

    [Fact]
    public async Task SendTcpSyn_FromLocalPod_IsNotMarkedForMasqueradeAndKeepsItsSource()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(WithBackend(EndpointBehavior.Silent), ct);
        await lab.LoadRulesetAsync(Ruleset, ct);

        var result = await lab.SendTcpSynAsync(LabClient.LocalPod, 40002, "10.96.0.10", 80, ct);
        var entry = Assert.Single(await lab.ListConntrackAsync(ct));

        AssertTrace(
            [
                new("nat", "PREROUTING", 1, "JUMP:KUBE-SERVICES"),
                new("nat", "KUBE-SERVICES", 2, "JUMP:KUBE-SVC-AAAA"),
                new("nat", "KUBE-SVC-AAAA", 2, "JUMP:KUBE-SEP-1"),
                new("nat", "KUBE-SEP-1", 2, "ACCEPT"),
                new("filter", "FORWARD", 1, "JUMP:KUBE-FORWARD"),
                new("filter", "FORWARD", null, "POLICY:ACCEPT"),
                new("nat", "POSTROUTING", 1, "JUMP:KUBE-POSTROUTING"),
                new("nat", "KUBE-POSTROUTING", 1, "RETURN"),
                new("nat", "POSTROUTING", null, "POLICY:ACCEPT"),
            ],
            result.Syn);
        Assert.Equal(new ConntrackTuple("10.244.1.2", "10.244.0.5", 8080, 40002), entry.Reply);
    }

    [Fact]
    public async Task OpenTcpConnection_FromRemotePod_KeepsTheClientSourceAndTheReplyIsUnDnatedAtTheNode()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(WithBackend(EndpointBehavior.Answering), ct);
        await lab.LoadRulesetAsync(Ruleset, ct);

        await using var exchange = await lab.OpenTcpConnectionAsync(LabClient.RemotePod, 40003, "10.96.0.10", 80, ct);
        var entry = Assert.Single(await lab.ListConntrackAsync(ct));

        // The source is inside the cluster CIDR: no KUBE-MARK-MASQ, so KUBE-FORWARD's mark rule does not accept it.
        AssertTrace(
            [
                new("nat", "PREROUTING", 1, "JUMP:KUBE-SERVICES"),
                new("nat", "KUBE-SERVICES", 2, "JUMP:KUBE-SVC-AAAA"),
                new("nat", "KUBE-SVC-AAAA", 2, "JUMP:KUBE-SEP-1"),
                new("nat", "KUBE-SEP-1", 2, "ACCEPT"),
                new("filter", "FORWARD", 1, "JUMP:KUBE-FORWARD"),
                new("filter", "FORWARD", null, "POLICY:ACCEPT"),
                new("nat", "POSTROUTING", 1, "JUMP:KUBE-POSTROUTING"),
                new("nat", "KUBE-POSTROUTING", 1, "RETURN"),
                new("nat", "POSTROUTING", null, "POLICY:ACCEPT"),
            ],
            exchange.Syn);
        AssertTrace(EstablishedFlowPacket, exchange.SynAck);
        Assert.Equal("ESTABLISHED", entry.State);
        Assert.Equal(new ConntrackTuple("10.244.1.2", "10.244.1.7", 8080, 40003), entry.Reply);
    }

    [Fact]
    public async Task Save_AfterLoad_PrintsTheNodeFormWithoutHarnessRulesOrComments()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(cancellationToken: ct);
        await lab.LoadRulesetAsync(Ruleset, ct);

        var saved = await lab.SaveAsync(ct);

        Assert.Contains("-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n", saved, StringComparison.Ordinal);
        Assert.Contains("-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0\n", saved, StringComparison.Ordinal);
        Assert.DoesNotContain("*raw", saved, StringComparison.Ordinal);
        Assert.DoesNotContain("TRACE", saved, StringComparison.Ordinal);
        Assert.DoesNotContain(saved.Split('\n'), line => line.StartsWith('#'));
    }

    internal static KernelLabOptions WithBackend(EndpointBehavior behavior) =>
        new() { Endpoints = [new LabEndpoint("10.244.1.2", 8080, behavior)] };

    internal static void AssertTrace(IReadOnlyList<KernelTraceEntry> expected, KernelPacketTrace actual) =>
        Assert.True(
            expected.SequenceEqual(actual.Entries),
            $"expected:\n{new KernelPacketTrace(expected, [])}\nactual:\n{actual}\nxtables-monitor:\n{string.Join('\n', actual.MonitorOutput)}");
}
