using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;
using Dashboard.Simulation.Scenarios;
using Dashboard.Web.Api.Trace;

namespace Dashboard.Web.Tests.Api.Trace;

/// <summary>The trace request as a user writes it: each field checked, each problem at its JSON pointer.</summary>
public sealed class TraceRequestReaderTests
{
    private static readonly string Small = ScenarioCatalog.GetYaml("small");

    private static TracePacketRequest Syn(string src, int sport, string dst, int dport) =>
        new() { Src = src, Sport = sport, Dst = dst, Dport = dport };

    private static InputException Refused(TraceRequest request) =>
        Assert.Throws<InputException>(() => TraceRequestReader.Read(request, new InputBudget()));

    [Fact]
    public void Read_InvalidPackets_EveryProblemWithItsPointer()
    {
        var e = Refused(new TraceRequest
        {
            Mode = "ipvs-classic",
            Objects = Small,
            Packets =
            [
                new() { Src = "10.244.0.500", Sport = 1, Dst = "10.96.0.20", Dport = 80 },
                new() { Src = "10.244.0.5", Sport = 70000, Dst = "10.96.0.20", Dport = 80, Proto = "icmp", Flags = "SX" },
            ],
        });

        Assert.Equal(ProblemKind.Semantic, e.Kind);
        Assert.Equal(["/mode", "/packets/0/src", "/packets/1/proto", "/packets/1/sport", "/packets/1/flags"], e.Problems.Select(p => p.Pointer));
        Assert.Equal("packets[1].sport 70000 is not a port (1-65535)", e.Problems[3].Message);
    }

    [Fact]
    public void Read_BadIpvsOptions_EachNamedWithItsPointer()
    {
        var problems = Refused(new TraceRequest
        {
            Mode = "ipvs",
            Objects = Small,
            Ipvs = new TraceIpvsOptions { Scheduler = "fastest", Forwarding = "gre", L2Subnet = "nope", ConnTabBits = 30, Weights = [3, 70_000] },
            Packets = [Syn("10.244.0.5", 40000, "10.96.0.20", 80)],
        }).Problems;

        Assert.Equal(["/ipvs/scheduler", "/ipvs/forwarding", "/ipvs/l2Subnet", "/ipvs/connTabBits", "/ipvs/weights"], problems.Select(p => p.Pointer));
        // IP_VS_TAB_BITS is a kernel config option with the range 8-20 (net/netfilter/ipvs/Kconfig).
        Assert.Contains("8-20", problems[3].Message, StringComparison.Ordinal);
        // ipvsadm's -w takes 0 to 65535.
        Assert.Equal("ipvs.weights: each weight must be from 0 to 65535 (kube-proxy gives every real server weight 1)", problems[4].Message);
        var iptables = Refused(new TraceRequest
        {
            Mode = "iptables",
            Objects = Small,
            Ipvs = new TraceIpvsOptions(),
            Packets = [Syn("10.244.0.5", 40000, "10.96.0.20", 80)],
        });
        Assert.Equal("/ipvs", Assert.Single(iptables.Problems).Pointer);
    }

    [Fact]
    public void Read_IpvsWithoutOptions_KubeProxysSchedulerAndMethod_NoWeights()
    {
        var input = TraceRequestReader.Read(new TraceRequest
        {
            Mode = "ipvs",
            Objects = Small,
            Packets = [Syn("10.244.0.5", 40000, "10.96.0.20", 80)],
        }, new InputBudget());

        Assert.Equal("rr", input.Ipvs!.Scheduler);
        Assert.Equal(ForwardingMethod.Masquerade, input.Ipvs.Forwarding);
        Assert.Null(input.Ipvs.Weights);
    }

    [Fact]
    public void Read_PacketWithoutFromOrTime_ComesFromWhereItsSourceSaysAtThePreviousPacketsTime()
    {
        var input = TraceRequestReader.Read(new TraceRequest
        {
            Mode = "iptables",
            Objects = Small,
            Node = new TraceNode { PodCIDR = "10.244.0.0/24", ClusterCIDR = "10.244.0.0/16" },
            Packets =
            [
                Syn("10.244.0.5", 40000, "10.96.0.20", 80) with { At = 2.5 },
                Syn("10.244.1.7", 40000, "10.96.0.20", 80),
                Syn("192.168.5.5", 40000, "10.96.0.20", 80) with { Proto = "udp" },
            ],
        }, new InputBudget());

        Assert.Equal([PacketOrigin.Pod, PacketOrigin.RemoteNode, PacketOrigin.External], input.Packets.Select(p => p.Origin));
        Assert.All(input.Packets, p => Assert.Equal(TimeSpan.FromSeconds(2.5), p.At));
        Assert.Equal(TcpFlags.Syn, input.Packets[0].Flags); // a TCP packet without flags is a SYN
        Assert.Equal(IpProtocol.Udp, input.Packets[2].Protocol);
        Assert.Null(input.Ipvs); // iptables mode
    }

    [Fact]
    public void Describe_ForcedEndpointOfNoService_PointsAtThePacketsField()
    {
        var input = TraceRequestReader.Read(new TraceRequest
        {
            Mode = "iptables",
            Objects = Small,
            Packets = [Syn("10.244.0.5", 40000, "10.96.0.20", 80), Syn("10.244.0.5", 1, "10.96.0.20", 80) with { ForceEndpoint = "10.9.9.9:80" }],
        }, new InputBudget());
        var refused = Assert.Throws<TraceInputException>(() => TraceRunner.Run(input, TestContext.Current.CancellationToken));

        var problem = Assert.Single(TraceRequestReader.Describe(refused).Problems);

        Assert.Equal("/packets/1/forceEndpoint", problem.Pointer);
        Assert.Equal("packets[1].forceEndpoint 10.9.9.9:80 is not an endpoint of any service in the objects", problem.Message);
    }
}
