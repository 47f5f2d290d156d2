using Bunit;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.IpSets;
using Dashboard.Simulation.Ipvs;
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
        var text = ToolTexts.Of(RuleTarget.IpvsadmList, string.Join('\n',
            "IP Virtual Server version 1.2.1 (size=4096)",
            "Prot LocalAddress:Port Scheduler Flags",
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
            "TCP  192.168.1.10:30080 rr",
            "  -> 10.244.1.2:8080               Masq    1      0          0",
            "TCP  10.96.0.30:80 rr",
            "  -> 10.244.1.2:8080               Masq    1      0          0",
            ""));

        var line = RulesView.LineOf(text, new RuleTarget(0, RuleTarget.IpvsadmList, Text: "TCP 10.96.0.30:80\n-> 10.244.1.2:8080"));

        Assert.Equal(7, line);
    }

    [Fact]
    public void Render_SelectedPacket_LightsEveryRuleItMatchedInIptablesSave()
    {
        var (run, paths) = PacketRecords.Run();
        var record = PacketRecords.Next(run, paths);
        var room = Services.GetRequiredService<FakeSimulationRooms>().Room;
        var text = ToolTexts.Of(RuleTarget.IptablesSave, Simulation.Netfilter.IptablesSaveWriter.Write(run.Lanes[0].Dataplane.Ruleset));
        room.ToolTexts[0] = [text];
        var snapshot = RoomSnapshot.Empty with { Status = RoomStatus.Paused, Generation = 1, Layouts = [.. paths.Select(p => p.Layout)] };

        var view = Render<RulesView>(p => p.Add(v => v.Room, room).Add(v => v.Snapshot, snapshot).Add(v => v.Selected, record));

        var matched = record.Lanes[0]!.Events.OfType<RuleMatched>().Where(m => m.Table == "nat").ToList();
        Assert.NotEmpty(matched);
        view.WaitForAssertion(() => Assert.NotEmpty(view.FindComponent<RulesText>().Instance.Lit!));
        var lit = view.FindComponent<RulesText>().Instance.Lit!;
        foreach (var rule in matched)
        {
            var line = text.LineOf(rule.Table, rule.Chain, rule.Rule)!.Value;
            Assert.Contains(line + 1, lit);
            Assert.StartsWith($"-A {rule.Chain} ", text.Lines[line].Text, StringComparison.Ordinal);
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
            ToolTexts.Of(RuleTarget.IptablesSave, Simulation.Netfilter.IptablesSaveWriter.Write(run.Lanes[1].Dataplane.Ruleset)),
            ToolTexts.Of(RuleTarget.IpvsadmList, IpvsadmFormatter.List(ipvs.Services, ipvs.Connections.Size)),
        ];
        var snapshot = RoomSnapshot.Empty with { Status = RoomStatus.Paused, Generation = 1, Layouts = [.. paths.Select(p => p.Layout)] };

        var view = Render<RulesView>(p => p.Add(v => v.Room, room).Add(v => v.Snapshot, snapshot)
            .Add(v => v.Target, new RuleTarget(1, RuleTarget.IpvsadmList, Text: "TCP 10.96.0.20:80")));

        view.WaitForAssertion(() => Assert.StartsWith("TCP  10.96.0.20:80 rr", view.Find(".rule-target").TextContent.TrimStart("0123456789".ToCharArray()), StringComparison.Ordinal));
        Assert.Contains("ipvsadm -Ln", view.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_IpsetList_LightsTheMemberTheSelectedPacketMatchedUnderItsSet()
    {
        var (run, paths) = PacketRecords.Run();
        var record = PacketRecords.Next(run, paths); // a SYN from a pod on this node to a ClusterIP
        var room = Services.GetRequiredService<FakeSimulationRooms>().Room;
        var text = ToolTexts.Of(RuleTarget.IpsetList, IpSetListWriter.Write((IpSetCollection)run.Lanes[1].Dataplane.IpSets!));
        room.ToolTexts[1] = [ToolTexts.Of(RuleTarget.IptablesSave, Simulation.Netfilter.IptablesSaveWriter.Write(run.Lanes[1].Dataplane.Ruleset)), text];
        var snapshot = RoomSnapshot.Empty with { Status = RoomStatus.Paused, Generation = 1, Layouts = [.. paths.Select(p => p.Layout)] };
        var sent = record.Packet.Lanes[1]!.HeadersBefore;

        var view = Render<RulesView>(p => p.Add(v => v.Room, room).Add(v => v.Snapshot, snapshot).Add(v => v.Selected, record)
            .Add(v => v.Target, new RuleTarget(1, RuleTarget.IpsetList, Text: "Name: KUBE-CLUSTER-IP")));

        view.WaitForAssertion(() => Assert.NotEmpty(view.FindComponent<RulesText>().Instance.Lit!));
        var line = Assert.Single(view.FindComponent<RulesText>().Instance.Lit!) - 1;
        // The service's address, protocol and port, as ipset list prints a hash:ip,port member, in KUBE-CLUSTER-IP's list.
        Assert.Equal($"{sent.Destination},{sent.Protocol.ToName()}:{sent.DestinationPort}", text.Lines[line].Text);
        Assert.Equal("Name: KUBE-CLUSTER-IP", text.Lines.Take(line).Last(l => l.Text.StartsWith("Name: ", StringComparison.Ordinal)).Text);
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
        room.ToolTexts[0] = [ToolTexts.Of(RuleTarget.IptablesSave, "*nat\nCOMMIT\n")];
        view.Render(p => p.Add(v => v.Snapshot, snapshot with { Generation = 2 }));
        view.WaitForAssertion(() => Assert.Empty(view.FindAll("[role=alert]")), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Render_RoomRebuilding_HidesTheOldGenerationsRules()
    {
        var (run, paths) = PacketRecords.Run();
        var room = Services.GetRequiredService<FakeSimulationRooms>().Room;
        room.ToolTexts[0] = [ToolTexts.Of(RuleTarget.IptablesSave, Simulation.Netfilter.IptablesSaveWriter.Write(run.Lanes[0].Dataplane.Ruleset))];
        var snapshot = RoomSnapshot.Empty with { Status = RoomStatus.Paused, Generation = 1, Layouts = [.. paths.Select(p => p.Layout)] };
        var view = Render<RulesView>(p => p.Add(v => v.Room, room).Add(v => v.Snapshot, snapshot));
        view.WaitForAssertion(() => Assert.NotEmpty(view.FindAll(".rules-text")));

        view.Render(p => p.Add(v => v.Snapshot, snapshot with { Status = RoomStatus.Loading, Generation = 2 }));

        view.WaitForAssertion(() => Assert.Empty(view.FindAll(".rules-text")));
        Assert.Contains("once the nodes are built", view.Markup, StringComparison.Ordinal);
    }
}
