using Dashboard.Simulation.Engine;
using Xunit;
using static Dashboard.Simulation.Tests.Kernel.WorkedExampleKernelTests;

namespace Dashboard.Simulation.Tests.Kernel;

/// <summary>
/// The lab's other paths (UDP with its echo, a local endpoint behind its own veth) and the verdicts the worked
/// example does not show (REJECT, GOTO, a filter KUBE-SERVICES gated on ctstate NEW), checked against the kernel.
/// </summary>
public sealed class KernelTraceVocabularyTests
{
    private const string Ruleset = """
        *nat
        :PREROUTING ACCEPT [0:0]
        :INPUT ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-NODEPORTS - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-SVC-UDP - [0:0]
        :KUBE-SEP-U - [0:0]
        :KUBE-SVC-LOCAL - [0:0]
        :KUBE-SEP-L - [0:0]
        :KUBE-SVC-GOTO - [0:0]
        -A PREROUTING -j KUBE-SERVICES
        -A POSTROUTING -j KUBE-POSTROUTING
        -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
        -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
        -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
        -A KUBE-POSTROUTING -j MASQUERADE --random-fully
        -A KUBE-SERVICES -d 10.96.0.20/32 -p udp -m udp --dport 53 -j KUBE-SVC-UDP
        -A KUBE-SERVICES -d 10.96.0.30/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-LOCAL
        -A KUBE-SERVICES -d 10.96.0.50/32 -p tcp -m tcp --dport 80 -g KUBE-SVC-GOTO
        -A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
        -A KUBE-SVC-UDP ! -s 10.244.0.0/16 -d 10.96.0.20/32 -p udp -m udp --dport 53 -j KUBE-MARK-MASQ
        -A KUBE-SVC-UDP -j KUBE-SEP-U
        -A KUBE-SEP-U -s 10.244.0.6/32 -j KUBE-MARK-MASQ
        -A KUBE-SEP-U -p udp -m udp -j DNAT --to-destination 10.244.0.6:5353
        -A KUBE-SVC-LOCAL ! -s 10.244.0.0/16 -d 10.96.0.30/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ
        -A KUBE-SVC-LOCAL -j KUBE-SEP-L
        -A KUBE-SEP-L -s 10.244.0.6/32 -j KUBE-MARK-MASQ
        -A KUBE-SEP-L -p tcp -m tcp -j DNAT --to-destination 10.244.0.6:8080
        -A KUBE-SVC-GOTO -p tcp -m tcp --dport 81 -j KUBE-MARK-MASQ
        COMMIT
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :KUBE-FORWARD - [0:0]
        :KUBE-SERVICES - [0:0]
        -A FORWARD -m conntrack --ctstate NEW -j KUBE-SERVICES
        -A FORWARD -j KUBE-FORWARD
        -A KUBE-SERVICES -d 10.96.0.40/32 -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
        -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
        -A KUBE-FORWARD -m mark --mark 0x4000/0x4000 -j ACCEPT
        -A KUBE-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
        COMMIT

        """;

    private static readonly KernelTraceEntry[] ReplyThroughKubeForward =
    [
        new("filter", "FORWARD", 2, "JUMP:KUBE-FORWARD"),
        new("filter", "KUBE-FORWARD", 3, "ACCEPT"),
    ];

    private static readonly KernelLabOptions Lab = new()
    {
        Endpoints =
        [
            new LabEndpoint("10.244.0.6", 5353, EndpointBehavior.Answering),
            new LabEndpoint("10.244.0.6", 8080, EndpointBehavior.Answering),
        ],
    };

    [Fact]
    public async Task SendUdp_FromRemotePodToLocalEndpoint_DnatsWithoutMasqueradeAndTheEchoTakesTheEstablishedRule()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(Lab, ct);
        await lab.LoadRulesetAsync(Ruleset, ct);

        var exchange = await lab.SendUdpAsync(LabClient.RemotePod, 40100, "10.96.0.20", 53, ct);
        var entry = Assert.Single(await lab.ListConntrackAsync(ct));

        AssertTrace(
            [
                new("nat", "PREROUTING", 1, "JUMP:KUBE-SERVICES"),
                new("nat", "KUBE-SERVICES", 1, "JUMP:KUBE-SVC-UDP"),
                new("nat", "KUBE-SVC-UDP", 2, "JUMP:KUBE-SEP-U"),
                new("nat", "KUBE-SEP-U", 2, "ACCEPT"),
                new("filter", "FORWARD", 1, "JUMP:KUBE-SERVICES"),
                new("filter", "FORWARD", 2, "JUMP:KUBE-FORWARD"),
                new("filter", "FORWARD", null, "POLICY:ACCEPT"),
                new("nat", "POSTROUTING", 1, "JUMP:KUBE-POSTROUTING"),
                new("nat", "KUBE-POSTROUTING", 1, "RETURN"),
                new("nat", "POSTROUTING", null, "POLICY:ACCEPT"),
            ],
            exchange.Request);
        Assert.NotNull(exchange.Reply);
        AssertTrace(ReplyThroughKubeForward, exchange.Reply);
        Assert.Equal(("udp", (string?)null), (entry.Protocol, entry.State));
        Assert.Equal(new ConntrackTuple("10.244.0.6", "10.244.1.7", 5353, 40100), entry.Reply);
        Assert.False(entry.HasFlag("UNREPLIED"), entry.Line);
    }

    [Fact]
    public async Task OpenTcpConnection_FromLocalPodToLocalEndpoint_LeavesAndReentersTheNodeThroughPodVeths()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(Lab, ct);
        await lab.LoadRulesetAsync(Ruleset, ct);

        await using var exchange = await lab.OpenTcpConnectionAsync(LabClient.LocalPod, 40200, "10.96.0.30", 80, ct);
        var entry = Assert.Single(await lab.ListConntrackAsync(ct));

        AssertTrace(
            [
                new("nat", "PREROUTING", 1, "JUMP:KUBE-SERVICES"),
                new("nat", "KUBE-SERVICES", 2, "JUMP:KUBE-SVC-LOCAL"),
                new("nat", "KUBE-SVC-LOCAL", 2, "JUMP:KUBE-SEP-L"),
                new("nat", "KUBE-SEP-L", 2, "ACCEPT"),
                new("filter", "FORWARD", 1, "JUMP:KUBE-SERVICES"),
                new("filter", "FORWARD", 2, "JUMP:KUBE-FORWARD"),
                new("filter", "FORWARD", null, "POLICY:ACCEPT"),
                new("nat", "POSTROUTING", 1, "JUMP:KUBE-POSTROUTING"),
                new("nat", "KUBE-POSTROUTING", 1, "RETURN"),
                new("nat", "POSTROUTING", null, "POLICY:ACCEPT"),
            ],
            exchange.Syn);
        AssertTrace(ReplyThroughKubeForward, exchange.SynAck);
        AssertTrace(ReplyThroughKubeForward, exchange.Ack);
        Assert.Equal("ESTABLISHED", entry.State);
        Assert.Equal(new ConntrackTuple("10.244.0.6", "10.244.0.5", 8080, 40200), entry.Reply);
    }

    [Fact]
    public async Task SendTcpSyn_ToServiceWithoutEndpoints_RejectIsTracedAsDropAndTheClientIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(Lab, ct);
        await lab.LoadRulesetAsync(Ruleset, ct);

        var result = await lab.SendTcpSynAsync(LabClient.External, 40300, "10.96.0.40", 80, ct);

        // REJECT is a DROP verdict plus an ICMP error the node sends itself; that error is a separate packet.
        AssertTrace(
            [
                new("nat", "PREROUTING", 1, "JUMP:KUBE-SERVICES"),
                new("nat", "PREROUTING", null, "POLICY:ACCEPT"),
                new("filter", "FORWARD", 1, "JUMP:KUBE-SERVICES"),
                new("filter", "KUBE-SERVICES", 1, "DROP"),
            ],
            result.Syn);
        Assert.Equal(TcpConnectOutcome.Refused, result.Outcome);
    }

    [Fact]
    public async Task SendTcpSyn_ThroughGoto_FallingOffTheTargetEndsTheCallingBaseChain()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(Lab, ct);
        await lab.LoadRulesetAsync(Ruleset, ct);

        var result = await lab.SendTcpSynAsync(LabClient.External, 40400, "10.96.0.50", 80, ct);

        AssertTrace(
            [
                new("nat", "PREROUTING", 1, "JUMP:KUBE-SERVICES"),
                new("nat", "KUBE-SERVICES", 3, "GOTO:KUBE-SVC-GOTO"),
                new("nat", "PREROUTING", null, "POLICY:ACCEPT"),
                new("filter", "FORWARD", 1, "JUMP:KUBE-SERVICES"),
                new("filter", "FORWARD", 2, "JUMP:KUBE-FORWARD"),
                new("filter", "FORWARD", null, "POLICY:ACCEPT"),
                new("nat", "POSTROUTING", 1, "JUMP:KUBE-POSTROUTING"),
                new("nat", "KUBE-POSTROUTING", 1, "RETURN"),
                new("nat", "POSTROUTING", null, "POLICY:ACCEPT"),
            ],
            result.Syn);
    }
}
