using Dashboard.Simulation.Traffic;
using Dashboard.Web.Model;
using Dashboard.Web.Rooms;

namespace Dashboard.Web.Tests.Model;

public sealed class CompareQueryTests
{
    private static readonly string[] Scenarios = ["small"];

    [Fact]
    public void Format_Defaults_IsEmpty_SoTheLandingPageLinkStaysClean()
    {
        Assert.Equal("", CompareQuery.Format(new CompareQuery.View(RoomSettings.Default, Projector: false)));
    }

    [Fact]
    public void FormatThenParse_EverySetting_ReproducesTheView()
    {
        var settings = RoomSettings.Default with
        {
            GeneratedServices = 20_000,
            Modes = ["ipvs"],
            Traffic = TrafficProfile.Default with
            {
                NewConnectionsPerSecond = 200,
                RequestsPerConnection = 1,
                UdpShare = 0.25,
                PodOnNodeWeight = 0,
                PodOnOtherNodeWeight = 1,
                ExternalWeight = 2,
            },
            Scheduler = "mh",
            Forwarding = "tun",
            Weights = [3, 1, 0],
            Node = new Simulation.Kubernetes.NodeSettings("worker-7", Simulation.Packets.Ipv4Address.Parse("172.16.0.7"),
                Simulation.Packets.Ipv4Prefix.Parse("10.100.7.0/24"), Simulation.Packets.Ipv4Prefix.Parse("10.100.0.0/16")),
            Seed = 42,
            Speed = 0.05,
        };
        var problems = new List<string>();

        var view = CompareQuery.Parse(CompareQuery.Format(new CompareQuery.View(settings, Projector: true)), Scenarios, problems);

        Assert.Empty(problems);
        Assert.True(view.Projector);
        Assert.Equal(settings, view.Settings);
    }

    [Fact]
    public void FormatThenParse_SelectedPacketAndTab_ReproduceThem()
    {
        var problems = new List<string>();
        var query = CompareQuery.Format(new CompareQuery.View(RoomSettings.Default, Projector: false, Packet: 57, Tab: 2));

        var view = CompareQuery.Parse(query, Scenarios, problems);

        Assert.Equal("?packet=57&tab=tables", query);
        Assert.Empty(problems);
        Assert.Equal(57, view.Packet);
        Assert.Equal(2, view.Tab);
    }

    [Theory]
    [InlineData("?speed=5000", "speed \"5000\" must be a number from 0.01 to 1000")]
    [InlineData("?scenario=huge", "scenario \"huge\" is not one of small, generated")]
    [InlineData("?scheduler=random", "scheduler \"random\" is not one of rr, wrr")]
    [InlineData("?fwd=snat", "fwd \"snat\" is not one of")]
    [InlineData("?clients=0,0,0", "clients \"0,0,0\" must be three non-negative weights")]
    [InlineData("?modes=iptables,bpf", "modes \"iptables,bpf\" must be one to three of iptables, ipvs")]
    [InlineData("?scenario=pasted", "pasted objects, which a link cannot carry")]
    [InlineData("?packet=0", "packet \"0\" must be a number from 1 to 20000")]
    [InlineData("?packet=x", "packet \"x\" must be a number")]
    [InlineData("?tab=logs", "tab \"logs\" is not one of inspector, rules, tables, charts")]
    [InlineData("?podCIDR=10.244.0.5", "podCIDR \"10.244.0.5\" is not an IPv4 CIDR (e.g. 10.244.0.0/24)")]
    [InlineData("?nodeName=Node_1", "nodeName \"Node_1\" is not a valid node name")]
    [InlineData("?weights=3,heavy", "weights \"3,heavy\": weight \"heavy\" is not a whole number from 0 to 65535")]
    public void Parse_BadValue_NamesItAndKeepsTheDefault(string query, string expected)
    {
        var problems = new List<string>();

        var view = CompareQuery.Parse(query, Scenarios, problems);

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
        Assert.Equal(RoomSettings.Default, view.Settings);
    }

    [Fact]
    public void Parse_GeneratedWithBadSize_NamesItAndGenerates1000Services()
    {
        var problems = new List<string>();

        var view = CompareQuery.Parse("?scenario=generated&services=5", Scenarios, problems);

        Assert.Equal("services \"5\" must be a number from 10 to 50000", Assert.Single(problems));
        Assert.Equal(1_000, view.Settings.GeneratedServices);
    }

    [Fact]
    public void Format_PastedObjects_AreNotPutInTheUrl()
    {
        var settings = RoomSettings.Default with { PastedObjects = "apiVersion: v1\nkind: List\nitems: []\n" };

        var query = CompareQuery.Format(new CompareQuery.View(settings, Projector: false));

        Assert.Equal("?scenario=pasted", query);
    }
}
