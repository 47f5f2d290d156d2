using Bunit;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.IpSets;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.Listings;
using Dashboard.Simulation.Packets;
using Dashboard.Web.Components.Controls;
using Dashboard.Web.Model;
using Dashboard.Web.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests.Components;

public sealed class RulesViewTests : DashboardTestContext
{
    [Fact]
    public void LineOf_ScheduledRealServer_FindsItUnderItsOwnVirtualService()
    {
        // The same pod can serve a ClusterIP and a NodePort: the line wanted is the one under the service looked up.
        var services = new ServiceTable();
        var nodePort = new VirtualService(IpProtocol.Tcp, Ipv4Address.Parse("192.168.1.10"), 30080, new RoundRobin());
        nodePort.AddServer(Ipv4Address.Parse("10.244.1.2"), 8080);
        var clusterIp = new VirtualService(IpProtocol.Tcp, Ipv4Address.Parse("10.96.0.30"), 80, new RoundRobin());
        clusterIp.AddServer(Ipv4Address.Parse("10.244.1.2"), 8080);
        services.Add(nodePort);
        services.Add(clusterIp);
        var text = new ToolText(RuleTarget.IpvsadmList, IpvsadmFormatter.ListListing(services));
        TraversalEvent[] events =
        [
            new IpvsServiceLookup("TCP 10.96.0.30:80", true, 0, 1, 0),
            new IpvsScheduled("rr", "10.244.1.2:8080", null!, 0),
        ];

        var line = RulesView.LineOf(text, RulesView.TargetOf(0, events, events[1]));

        // ipvsadm lists 192.168.1.10 first (its int subtraction wraps), so 10.96.0.30 and its server are lines 6 and 7.
        Assert.Equal(7, line);
        Assert.Equal(6, RulesView.LineOf(text, RulesView.TargetOf(0, events, events[0])));
    }

    [Fact]
    public void Render_SelectedPacket_LightsEveryRuleItMatchedInIptablesSave()
    {
        var (run, paths) = PacketRecords.Run();
        var record = PacketRecords.Next(run, paths);
        var room = Services.GetRequiredService<FakeSimulationRooms>().Room;
        var text = new ToolText(RuleTarget.IptablesSave, Simulation.Netfilter.IptablesSaveWriter.Listing(run.Lanes[0].Dataplane.Ruleset));
        room.ToolTexts[0] = [text];
        var snapshot = RoomSnapshot.Empty with { Status = RoomStatus.Paused, Generation = 1, Layouts = [.. paths.Select(p => p.Layout)] };

        var view = Render<RulesView>(p => p.Add(v => v.Room, room).Add(v => v.Snapshot, snapshot).Add(v => v.Selected, record));

        var matched = record.Lanes[0]!.Events.OfType<RuleMatched>().Where(m => m.Table == "nat").ToList();
        Assert.NotEmpty(matched);
        view.WaitForAssertion(() => Assert.NotEmpty(view.FindComponent<RulesText>().Instance.Lit!));
        var lit = view.FindComponent<RulesText>().Instance.Lit!;
        foreach (var rule in matched)
        {
            var line = text.Listing.LineOf(new RuleAnchor(rule.Table, rule.Chain, rule.Rule))!.Value;
            Assert.Contains(line, lit);
            // The lit line is the rule the engine matched, as iptables-save prints it.
            Assert.Equal(rule.Text, text.Listing.Lines[line - 1].Text);
        }
    }

    [Fact]
    public void Render_IpvsLane_OffersIpvsadmAndIpset()
    {
        var (run, paths) = PacketRecords.Run();
        var room = Services.GetRequiredService<FakeSimulationRooms>().Room;
        var ipvs = run.Lanes[1].Dataplane.Ipvs!;
        room.ToolTexts[1] =
        [
            new ToolText(RuleTarget.IptablesSave, Simulation.Netfilter.IptablesSaveWriter.Listing(run.Lanes[1].Dataplane.Ruleset)),
            new ToolText(RuleTarget.IpvsadmList, IpvsadmFormatter.ListListing(ipvs.Services, ipvs.Connections.Size)),
        ];
        var snapshot = RoomSnapshot.Empty with { Status = RoomStatus.Paused, Generation = 1, Layouts = [.. paths.Select(p => p.Layout)] };

        var view = Render<RulesView>(p => p.Add(v => v.Room, room).Add(v => v.Snapshot, snapshot)
            .Add(v => v.Target, new RuleTarget(1, RuleTarget.IpvsadmList, new VirtualServiceAnchor("TCP 10.96.0.20:80"))));

        view.WaitForAssertion(() => Assert.StartsWith("TCP  10.96.0.20:80 rr", view.Find(".rule-target").TextContent.TrimStart("0123456789".ToCharArray()), StringComparison.Ordinal));
        Assert.Contains("ipvsadm -Ln", view.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_IpsetList_LightsTheMemberTheSelectedPacketMatchedUnderItsSet()
    {
        var (run, paths) = PacketRecords.Run();
        var record = PacketRecords.Next(run, paths); // a SYN from a pod on this node to a ClusterIP
        var room = Services.GetRequiredService<FakeSimulationRooms>().Room;
        var text = new ToolText(RuleTarget.IpsetList, IpSetListWriter.Listing((IpSetCollection)run.Lanes[1].Dataplane.IpSets!));
        room.ToolTexts[1] = [new ToolText(RuleTarget.IptablesSave, Simulation.Netfilter.IptablesSaveWriter.Listing(run.Lanes[1].Dataplane.Ruleset)), text];
        var snapshot = RoomSnapshot.Empty with { Status = RoomStatus.Paused, Generation = 1, Layouts = [.. paths.Select(p => p.Layout)] };
        var sent = record.Packet.Lanes[1]!.HeadersBefore;
        var lookup = record.Lanes[1]!.Events.OfType<SetLookup>().First(s => s.Set == "KUBE-CLUSTER-IP");

        var view = Render<RulesView>(p => p.Add(v => v.Room, room).Add(v => v.Snapshot, snapshot).Add(v => v.Selected, record)
            .Add(v => v.Target, new RuleTarget(1, RuleTarget.IpsetList, new SetMemberAnchor(lookup.Set, lookup.Found.Entry))));

        view.WaitForAssertion(() => Assert.NotEmpty(view.FindComponent<RulesText>().Instance.Lit!));
        var line = Assert.Single(view.FindComponent<RulesText>().Instance.Lit!) - 1;
        // The service's address, protocol and port, as ipset list prints a hash:ip,port member, in KUBE-CLUSTER-IP's list.
        Assert.Equal($"{sent.Destination},{sent.Protocol.ToName()}:{sent.DestinationPort}", text.Listing.Lines[line].Text);
        Assert.Equal("Name: KUBE-CLUSTER-IP", text.Listing.Lines.Take(line).Last(l => l.Text.StartsWith("Name: ", StringComparison.Ordinal)).Text);
    }

    [Fact]
    public void Render_WriterFails_SaysWhyAndThePageLivesOn()
    {
        var (_, paths) = PacketRecords.Run();
        var room = Services.GetRequiredService<FakeSimulationRooms>().Room;
        room.ToolsFailure = new InvalidOperationException("no such chain KUBE-X");
        var snapshot = RoomSnapshot.Empty with { Status = RoomStatus.Paused, Generation = 1, Layouts = [.. paths.Select(p => p.Layout)] };

        var view = Render<RulesView>(p => p.Add(v => v.Room, room).Add(v => v.Snapshot, snapshot));

        view.WaitForAssertion(() => Assert.Contains("The rules could not be written: no such chain KUBE-X", view.Find("[role=alert]").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        // The next generation (the room rebuilt) asks again and shows its rules.
        room.ToolsFailure = null;
        room.ToolTexts[0] = [new ToolText(RuleTarget.IptablesSave, Simulation.Netfilter.IptablesSaveWriter.Listing(new Simulation.Netfilter.Ruleset()))];
        view.Render(p => p.Add(v => v.Snapshot, snapshot with { Generation = 2 }));
        view.WaitForAssertion(() => Assert.Empty(view.FindAll("[role=alert]")), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Render_RoomRebuilding_HidesTheOldGenerationsRules()
    {
        var (run, paths) = PacketRecords.Run();
        var room = Services.GetRequiredService<FakeSimulationRooms>().Room;
        room.ToolTexts[0] = [new ToolText(RuleTarget.IptablesSave, Simulation.Netfilter.IptablesSaveWriter.Listing(run.Lanes[0].Dataplane.Ruleset))];
        var snapshot = RoomSnapshot.Empty with { Status = RoomStatus.Paused, Generation = 1, Layouts = [.. paths.Select(p => p.Layout)] };
        var view = Render<RulesView>(p => p.Add(v => v.Room, room).Add(v => v.Snapshot, snapshot));
        view.WaitForAssertion(() => Assert.NotEmpty(view.FindAll(".rules-text")));

        view.Render(p => p.Add(v => v.Snapshot, snapshot with { Status = RoomStatus.Loading, Generation = 2 }));

        view.WaitForAssertion(() => Assert.Empty(view.FindAll(".rules-text")));
        Assert.Contains("once the nodes are built", view.Markup, StringComparison.Ordinal);
    }
}
