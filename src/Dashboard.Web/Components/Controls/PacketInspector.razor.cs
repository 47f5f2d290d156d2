using System.Globalization;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Listings;
using Dashboard.Simulation.Traffic;
using Dashboard.Web.Model;
using Dashboard.Web.Resources;
using Dashboard.Web.Rooms;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// One packet, every pane: where it ended, the headers it arrived and left with, and each step the engine took, in
/// order, the way `xtables-monitor --trace` or a packet tracer lists them, with the rule text, lookup or scheduler
/// reason, the headers around each rewrite and the modelled cost. A rule or virtual service opens in the rules view.
/// </summary>
public partial class PacketInspector
{
    [Parameter]
    public PacketRecord? Record { get; set; }

    [Parameter]
    public IReadOnlyList<PathLayout> Layouts { get; set; } = [];

    /// <summary>Step-one-hop's position: the wire hop shown in the panes, whose engine event is lit here.</summary>
    [Parameter]
    public int? HoldHop { get; set; }

    [Parameter]
    public EventCallback<RuleTarget> OnRuleRequested { get; set; }

    [Parameter]
    public EventCallback OnExport { get; set; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    private static CultureInfo Culture => CultureInfo.CurrentCulture;

    /// <summary>The engine event behind the held hop in a lane (the lane's last hop once the packet finished there).</summary>
    private int? CurrentEvent(int lane)
    {
        if (HoldHop is not { } hop || Record?.Wire.Lanes.ElementAtOrDefault(lane) is not { Hops.Count: > 0 } wire)
        {
            return null;
        }
        return wire.Hops[Math.Min(hop, wire.Hops.Count - 1)].E;
    }

    private string ClientLabel(ClientPlacement placement) => placement switch
    {
        ClientPlacement.PodOnNode => L["ClientsPodOnNode"],
        ClientPlacement.PodOnOtherNode => L["ClientsOtherNode"],
        _ => L["ClientsExternal"],
    };

    private string Outcome(OutcomeView outcome) => outcome.Kind switch
    {
        "delivered" => L["OutcomeDelivered", outcome.To ?? ""],
        "dropped" => L["OutcomeDropped", Say(outcome.Why)],
        _ => L["OutcomeRejected", Say(outcome.Why)],
    };

    private string KindLabel(TraversalEvent e) => L["Event_" + e.GetType().Name];

    /// <summary>Where the rules view can show this step: what the rules view lights for it, and a scan's first rule.</summary>
    private static RuleTarget? TargetOf(int lane, IReadOnlyList<TraversalEvent> events, TraversalEvent e) =>
        e is RulesScanned { Count: > 0 } s
            ? new RuleTarget(lane, RuleTarget.IptablesSave, new RuleAnchor(s.Table, s.Chain, s.FirstRule))
            : RulesView.TargetOf(lane, events, e);

    /// <summary>An engine explanation in the page's language.</summary>
    private static string Say(Explanation? explanation) => explanation is null ? "" : Explanations.Say(explanation, CultureInfo.CurrentUICulture);

    /// <summary>
    /// The step as a tool would word it: chain and rule numbers, tuples and addresses as they are; the words around
    /// them, and the engine's explanations (reasons, lookup outcomes), in the page's language.
    /// </summary>
    private string Describe(TraversalEvent e) => e switch
    {
        HookEntered h => h.Hook,
        ConntrackLookup c => L["HopConntrackLookup", c.Tuple, L["ConntrackResult_" + c.Result.Replace(' ', '_')], c.Bucket, c.ChainLength],
        ConntrackCreated c => L["HopConntrackCreated", c.Original, c.Reply + (c.State is null ? "" : " " + c.State), c.Bucket],
        RulesScanned s => L["HopRulesScanned", $"{s.Table} {s.Chain}", s.FirstRule, s.LastRule, s.Count],
        RuleMatched m => L["HopRuleMatched", $"{m.Table} {m.Chain}", m.Rule, m.Text, m.Verdict],
        SetLookup s => $"{s.Set} {s.Flags}: {s.Member}",
        ChainPolicy p => L["HopChainPolicy", $"{p.Table} {p.Chain}", p.Policy],
        NatApplied n => $"{n.Rewrite} ({n.By})",
        Routed r => r.Decision == "local" ? L["HopRoutedLocal"] : L["HopRouted", r.Decision, r.OutInterface],
        Delivered d => L["HopDelivered", d.To, Say(d.Route)],
        Dropped d => Say(d.Why),
        Rejected r => Say(r.Why),
        IpvsServiceLookup s => L["HopIpvsServiceLookup", s.Bucket, Simulation.Ipvs.ServiceTable.TableSize, s.ChainLength, s.Hit ? s.Service : L["HopMiss"]],
        IpvsConnectionLookup c => L["HopIpvsConnectionLookup", $"{c.Direction} {c.Tuple}", Say(c.Outcome), c.Bucket, c.ChainLength] + (c.State is null ? "" : " " + c.State),
        IpvsScheduled s => $"{s.Scheduler} -> {s.RealServer}: {Say(s.Why)}",
        IpvsForwarded f => $"{f.Method.ToUpperInvariant()} -> {f.RealServer}",
        ConntrackAltered a => L["HopConntrackAltered", a.Reply],
        DirectReply d => $"{d.Method.ToUpperInvariant()}: {d.RealServer}: {Say(d.Why)}",
        _ => e.GetType().Name,
    };

    private static (HeadersView Before, HeadersView After)? Rewrite(TraversalEvent e) => e switch
    {
        NatApplied n => (n.Before, n.After),
        IpvsForwarded f => (f.Before, f.After),
        _ => null,
    };

    /// <summary>A header line: protocol, addresses and ports, flags, mark, and the MACs and outer header where the mode sets them.</summary>
    public static string Headers(HeadersView h)
    {
        var text = $"{h.Proto} {h.Src}:{h.Sport} > {h.Dst}:{h.Dport}{(h.Flags is { Length: > 0 } f ? " [" + f + "]" : "")} mark {h.Mark}";
        if (h.Ethernet is { } eth)
        {
            text += $" mac {eth.Src} > {eth.Dst}";
        }
        if (h.Outer is { } outer)
        {
            text += $" outer {outer.Proto} {outer.Src} > {outer.Dst}";
        }
        return text;
    }

    private static string TraceLine(KernelTraceEntry entry) =>
        entry.Rule is { } rule ? $"{entry.Table} {entry.Chain} rule {rule} {entry.Verdict}" : $"{entry.Table} {entry.Chain} policy {entry.Verdict}";
}
