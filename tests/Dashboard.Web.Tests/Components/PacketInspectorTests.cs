using Bunit;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Listings;
using Dashboard.Web.Components.Controls;
using Dashboard.Web.Model;
using Dashboard.Web.Rooms;

namespace Dashboard.Web.Tests.Components;

/// <summary>The inspector on a real packet of the small scenario: a SYN from a pod on this node to a ClusterIP, in both modes.</summary>
public sealed class PacketInspectorTests : DashboardTestContext
{
    private readonly List<RuleTarget> _requested = [];
    private int _exports;

    private IRenderedComponent<PacketInspector> RenderInspector(PacketRecord? record, int? holdHop = null)
    {
        var (_, paths) = PacketRecords.Run();
        return Render<PacketInspector>(p => p
            .Add(i => i.Record, record)
            .Add(i => i.Layouts, [.. paths.Select(x => x.Layout)])
            .Add(i => i.HoldHop, holdHop)
            .Add(i => i.OnRuleRequested, (RuleTarget t) => _requested.Add(t))
            .Add(i => i.OnExport, () => _exports++));
    }

    [Fact]
    public void NoPacket_SaysHowToPickOne()
    {
        var inspector = RenderInspector(null);

        Assert.Contains("Click a packet", inspector.Find(".inspector-empty").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Packet_EveryEngineEventIsAHopInEachMode_WithItsRuleTextAndCost()
    {
        var record = PacketRecords.FirstSyn();
        var inspector = RenderInspector(record);

        var lanes = inspector.FindAll("section.inspector-lane");
        Assert.Equal(["iptables", "IPVS (rr, NAT)"], lanes.Select(l => l.GetAttribute("aria-label")));
        for (var lane = 0; lane < 2; lane++)
        {
            var events = record.Packet.Lanes[lane]!.Events;
            var hops = lanes[lane].QuerySelectorAll(".hop");
            Assert.Equal(events.Count, hops.Length);
            // Each hop in the engine's order: a walk names its chain and rule numbers, a match its rule as iptables-save prints it.
            for (var i = 0; i < events.Count; i++)
            {
                var expected = events[i] switch
                {
                    RulesScanned r => $"{r.Table} {r.Chain}: rules {r.FirstRule}-{r.LastRule} did not match ({r.Count})",
                    RuleMatched m => $"{m.Table} {m.Chain} rule {m.Rule}: {m.Text} => {m.Verdict}",
                    HookEntered h => h.Hook,
                    _ => null,
                };
                if (expected is not null)
                {
                    Assert.Contains(expected, hops[i].TextContent, StringComparison.Ordinal);
                }
            }
        }
        // The DNAT rule is shown as iptables-save prints it, with the headers it rewrote.
        var dnat = record.Packet.Lanes[0]!.Events.OfType<RuleMatched>().Single(m => m.Text.Contains("-j DNAT", StringComparison.Ordinal));
        Assert.Contains($"-A {dnat.Chain} ", lanes[0].TextContent, StringComparison.Ordinal);
        var rewrite = lanes[0].QuerySelector(".hop-rewrite")!.TextContent;
        var sent = record.Packet.Lanes[0]!.HeadersBefore;
        Assert.Contains($"{sent.Destination}:{sent.DestinationPort}", rewrite, StringComparison.Ordinal);
    }

    [Fact]
    public void Korean_WordsTranslated_ChainsRulesAndTuplesKept()
    {
        UseCulture("ko");
        var record = PacketRecords.FirstSyn();
        var inspector = RenderInspector(record);

        var walk = record.Packet.Lanes[0]!.Events.OfType<RulesScanned>().First(s => s.Chain == "KUBE-SERVICES");
        var lookup = record.Packet.Lanes[1]!.Events.OfType<IpvsServiceLookup>().First();
        var text = inspector.Find(".inspector-lanes").TextContent;
        Assert.Contains($"nat KUBE-SERVICES: 규칙 {walk.FirstRule}-{walk.LastRule} 불일치 ({walk.Count}개)", text, StringComparison.Ordinal);
        Assert.Contains($"버킷 {lookup.Bucket}/256, 체인 길이 {lookup.ChainLength}: {lookup.Service}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("did not match", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Korean_TheEnginesOwnSentences_ReasonsAndLookupOutcomes()
    {
        UseCulture("ko");
        var record = PacketRecords.FirstSyn();
        var inspector = RenderInspector(record);

        // The hops' words (the kernel TRACE lines after IPVS are printed as the kernel prints them, in English).
        var text = string.Join("\n", inspector.FindAll(".hop-text").Select(h => h.TextContent));
        var matched = record.Packet.Lanes[0]!.Events.OfType<RuleMatched>().First();
        var scheduled = record.Packet.Lanes[1]!.Events.OfType<IpvsScheduled>().Single();
        // The rule is kept as iptables-save prints it; the word around it is Korean.
        Assert.Contains($"nat {matched.Chain} 규칙 {matched.Rule}: {matched.Text}", text, StringComparison.Ordinal);
        // A new connection: conntrack and the IPVS connection table both miss, and rr says why it picked its server.
        Assert.Contains("없음 (miss) (버킷", text, StringComparison.Ordinal);
        Assert.Contains($"rr -> {scheduled.RealServer}: rr: ", text, StringComparison.Ordinal);
        Assert.Matches("rr: (목록에서 처음으로 사용 가능한 |.+ 다음 -> )", text);
        foreach (var english in new[] { " rule ", "the first available", "next after", "hit original" })
        {
            Assert.DoesNotContain(english, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void HopClicked_RuleOrIpsetMember_OpensTheRulesViewThere()
    {
        var record = PacketRecords.FirstSyn();
        var inspector = RenderInspector(record);
        var dnat = record.Packet.Lanes[0]!.Events.OfType<RuleMatched>().Single(m => m.Text.Contains("-j DNAT", StringComparison.Ordinal));
        var member = record.Packet.Lanes[1]!.Events.OfType<SetLookup>().First();

        inspector.FindAll("section.inspector-lane")[0].QuerySelectorAll("button.hop-text")
            .Single(b => b.TextContent.Contains("-j DNAT", StringComparison.Ordinal)).Click();
        inspector.FindAll("section.inspector-lane")[1].QuerySelectorAll("button.hop-text")
            .First(b => b.TextContent.Contains(member.Member, StringComparison.Ordinal)).Click();

        Assert.Equal(new RuleTarget(0, RuleTarget.IptablesSave, new RuleAnchor("nat", dnat.Chain, dnat.Rule)), _requested[0]);
        Assert.Equal(new RuleTarget(1, RuleTarget.IpsetList, new SetMemberAnchor(member.Set, member.Found.Entry)), _requested[1]);
    }

    [Fact]
    public void Held_MarksTheCurrentHopInEveryPane()
    {
        var inspector = RenderInspector(PacketRecords.FirstSyn(), holdHop: 2);

        var current = inspector.FindAll(".hop-current");
        Assert.Equal(2, current.Count);
        Assert.All(current, hop => Assert.Equal("step", hop.GetAttribute("aria-current")));
    }

    [Fact]
    public void ExportClicked_CallsBack()
    {
        var inspector = RenderInspector(PacketRecords.FirstSyn());

        inspector.FindAll("button").Single(b => b.TextContent.Contains("Export trace as JSON", StringComparison.Ordinal)).Click();

        inspector.WaitForAssertion(() => Assert.Equal(1, _exports));
    }
}
