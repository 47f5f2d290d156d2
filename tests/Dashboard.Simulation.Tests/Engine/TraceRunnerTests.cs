using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Packets;
using Dashboard.Simulation.Scenarios;

namespace Dashboard.Simulation.Tests.Engine;

public class TraceRunnerTests
{
    private static readonly string Small = ScenarioCatalog.GetYaml("small");

    private static TraceResult Run(long seed = 1, params PacketSpec[] packets) =>
        TraceSpec.Run(new TraceSpec { Mode = "iptables", Objects = Small, Seed = seed, Packets = packets });

    private static PacketSpec Syn(string src, int sport, string dst, int dport) =>
        new() { Src = src, Sport = sport, Dst = dst, Dport = dport };

    [Fact]
    public void Run_ExternalToNodePort_DnatToBackendAndMasqueradedToNodeIp()
    {
        var packet = Run(1, Syn("192.168.5.5", 40000, "192.168.1.10", 30080) with { ForceEndpoint = "10.244.2.5:8080" }).Packets[0];

        Assert.Equal("delivered", packet.Outcome.Kind);
        Assert.Equal("10.244.2.5:8080", packet.Outcome.To);
        Assert.Equal("192.168.1.10", packet.HeadersAfter.Src);
        Assert.Equal("0x0", packet.HeadersAfter.Mark); // KUBE-POSTROUTING clears the 0x4000 bit before MASQUERADE
        Assert.Equal(new ConntrackView("NEW", "SYN_SENT"), packet.Conntrack);
        Assert.Contains(packet.Trace, t => t is { Table: "nat", Chain: "KUBE-POSTROUTING", Rule: 3, Verdict: "ACCEPT" });
    }

    [Fact]
    public void Run_RetransmittedSyn_StillNewButNatTableSkipped()
    {
        // The nat table runs once per connection, not once per NEW packet: the retransmission reuses the binding.
        var syn = Syn("10.244.1.7", 40000, "10.96.0.20", 80) with { ForceEndpoint = "10.244.1.3:8080" };
        var result = Run(1, syn, syn with { ForceEndpoint = null, At = 1 }).Packets;

        var first = result[0];
        var second = result[1];
        Assert.Contains(first.Trace, t => t.Table == "nat");
        Assert.DoesNotContain(second.Trace, t => t.Table == "nat");
        Assert.Equal("10.244.1.3", second.HeadersAfter.Dst);
        Assert.Equal("NEW", second.Conntrack.Ctstate);
        Assert.True(second.RulesEvaluated < first.RulesEvaluated);
        Assert.Contains(second.Events, e => e is NatApplied { By: "conntrack", Rewrite: "DNAT" });
    }

    [Fact]
    public void Run_AckBeforeSynAck_InvalidAndDroppedByKubeForward()
    {
        var syn = Syn("10.244.1.7", 40000, "10.96.0.20", 80);
        var ack = Run(1, syn, syn with { Flags = "A", At = 0.001 }).Packets[1];

        Assert.Equal("INVALID", ack.Conntrack.Ctstate);
        Assert.Equal("dropped", ack.Outcome.Kind);
        Assert.Contains(ack.Trace, t => t is { Table: "filter", Chain: "KUBE-FORWARD", Rule: 1, Verdict: "DROP" });
    }

    [Fact]
    public void Run_SessionAffinity_SameClientSameEndpoint()
    {
        var packets = Enumerable.Range(0, 20).Select(i => Syn("10.244.0.5", 41000 + i, "10.96.0.50", 80) with { At = i }).ToArray();
        var endpoints = Run(3, packets).Packets.Select(p => p.Outcome.To).Distinct().ToList();

        Assert.Single(endpoints);
    }

    [Fact]
    public void Run_SameSeed_SameEndpointsAndPorts()
    {
        var packets = Enumerable.Range(0, 30).Select(i => Syn("192.168.5.5", 42000 + i, "192.168.1.10", 30080)).ToArray();

        var a = Run(7, packets).Packets.Select(p => (p.Outcome.To, p.HeadersAfter.Sport));
        var b = Run(7, packets).Packets.Select(p => (p.Outcome.To, p.HeadersAfter.Sport));

        Assert.Equal(a, b);
    }

    [Fact]
    public void Run_ForcedEndpointOfNoService_Refused()
    {
        // No KUBE-SEP chain DNATs to 10.9.9.9:80: the draw cannot be forced to it, and no packet is walked.
        var e = Assert.Throws<TraceInputException>(() => Run(1, Syn("10.244.0.5", 1, "10.96.0.20", 80) with { ForceEndpoint = "10.9.9.9:80" }));
        Assert.Equal(new ForcedEndpointUnknown(0, new TraceEndpoint(Ipv4Address.Parse("10.9.9.9"), 80)), Assert.Single(e.Problems));
    }

    [Fact]
    public void Run_ServiceWithoutEndpoints_RejectedInFilterAndNoConntrackEntry()
    {
        var result = Run(1,
            Syn("10.244.0.5", 40000, "10.96.0.40", 80),
            Syn("10.244.0.5", 40000, "10.96.0.40", 80) with { At = 1 }).Packets;

        Assert.Equal("rejected", result[0].Outcome.Kind);
        Assert.Equal(ExplanationCode.RuleReject, result[0].Outcome.Why!.Code);
        Assert.Equal("icmp-port-unreachable", result[0].Outcome.Why!.Values[3]);
        // The rejected SYN was never confirmed: the retry is a NEW connection again and walks the nat table again.
        Assert.Contains(result[1].Trace, t => t.Table == "nat");
    }
}
