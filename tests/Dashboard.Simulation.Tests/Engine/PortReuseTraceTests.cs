using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Scenarios;

namespace Dashboard.Simulation.Tests.Engine;

/// <summary>
/// A client that opens a new connection from the ports of one that just closed, in both modes: the kernel's conntrack
/// deletes the closed entry and starts over (nf_conntrack_tcp_packet, net/netfilter/nf_conntrack_proto_tcp.c), and in
/// IPVS mode ip_vs_in expires the TIME_WAIT connection and schedules afresh (conn_reuse_mode=1, is_new_conn_expected,
/// net/netfilter/ipvs/ip_vs_core.c).
/// </summary>
public class PortReuseTraceTests
{
    private static readonly string Small = ScenarioCatalog.GetYaml("small");

    private static PacketSpec Client(string flags, double at, string? force = null) =>
        new() { Src = "10.244.0.5", Sport = 40000, Dst = "10.96.0.20", Dport = 80, Flags = flags, At = at, ForceEndpoint = force };

    private static PacketSpec Server(string endpoint, string flags, double at) =>
        new() { Src = endpoint, Sport = 8080, Dst = "10.244.0.5", Dport = 40000, Flags = flags, At = at };

    /// <summary>A handshake and an orderly close (client FIN first), leaving conntrack in TIME_WAIT, then a SYN on the same ports.</summary>
    private static PacketSpec[] ClosedThenReused(string endpoint, string? force, string? forceAgain) =>
    [
        Client("S", 0, force), Server(endpoint, "SA", 0.001), Client("A", 0.002),
        Client("FA", 1), Server(endpoint, "FA", 1.001), Client("A", 1.002),
        Client("S", 5, forceAgain),
    ];

    [Fact]
    public void Iptables_SynOnTimeWaitPorts_ConntrackReopensAndTheNatTableChoosesAgain()
    {
        var result = TraceSpec.Run(new TraceSpec
        {
            Mode = "iptables",
            Objects = Small,
            Packets = ClosedThenReused("10.244.1.3", "10.244.1.3:8080", "10.244.2.4:8080"),
        });

        Assert.Equal("TIME_WAIT", result.Packets[5].Conntrack.TcpState);
        var reused = result.Packets[6];
        var lookups = reused.Events.OfType<ConntrackLookup>().Select(l => l.Result).ToList();
        Assert.Equal(["reopened", "miss"], lookups);
        Assert.Equal("NEW", reused.Conntrack.Ctstate);
        Assert.Equal("SYN_SENT", reused.Conntrack.TcpState);
        // The nat table is walked again, to a fresh DNAT: the endpoint this time is another pod.
        Assert.Contains(reused.Trace, t => t.Chain.StartsWith("KUBE-SEP-", StringComparison.Ordinal));
        Assert.True(reused.RulesEvaluated > 0);
        Assert.Equal("10.244.2.4:8080", reused.Outcome.To);
    }

    [Fact]
    public void Iptables_SynOnAnEstablishedConnectionsPorts_NoReopen()
    {
        var result = TraceSpec.Run(new TraceSpec
        {
            Mode = "iptables",
            Objects = Small,
            Packets = [Client("S", 0, "10.244.1.3:8080"), Server("10.244.1.3", "SA", 0.001), Client("A", 0.002), Client("S", 5, "10.244.2.4:8080")],
        });

        // tcp_conntracks: a SYN in ESTABLISHED is ignored (sIG); the entry stays and its DNAT still applies.
        var again = result.Packets[3];
        Assert.Equal(["hit original"], again.Events.OfType<ConntrackLookup>().Select(l => l.Result));
        Assert.Equal("10.244.1.3:8080", again.Outcome.To);
    }

    [Fact]
    public void Ipvs_SynOnTimeWaitPorts_ConnectionExpiredAndRescheduled()
    {
        var first = TraceSpec.Run(new TraceSpec { Mode = "ipvs", Objects = Small, Packets = [Client("S", 0)] }).Packets[0].Outcome.To!;
        var endpoint = first.Split(':')[0];

        var result = TraceSpec.Run(new TraceSpec
        {
            Mode = "ipvs",
            Objects = Small,
            Packets = ClosedThenReused(endpoint, null, null),
            Views = true,
        });

        Assert.Equal(first, result.Packets[0].Outcome.To);
        Assert.Equal("TIME_WAIT", result.Packets[5].Ipvs!.Connection!.State);
        var reused = result.Packets[6];
        Assert.Equal(["reopened", "miss"], reused.Events.OfType<ConntrackLookup>().Select(l => l.Result));
        var lookup = reused.Events.OfType<IpvsConnectionLookup>().Single();
        Assert.Equal("IpvsLookupRescheduled(IpvsExpiredPortReuse(TIME_WAIT))", lookup.Outcome.ToString()); // conn_reuse_mode=1 expires it for the new SYN
        Assert.NotNull(reused.Ipvs!.Scheduler);
        // rr moves on from the server the closed connection had.
        Assert.Equal("delivered", reused.Outcome.Kind);
        Assert.NotEqual(first, reused.Outcome.To);
        Assert.Single(result.Views!.IpvsadmLnc!.Split('\n'), l => l.Contains("10.244.0.5:40000", StringComparison.Ordinal));
    }
}
