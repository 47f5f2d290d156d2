using System.Text.Json.Serialization;
using Dashboard.Simulation.Engine;
using Dashboard.Web.Resources;

namespace Dashboard.Web.Api.Trace;

/// <summary>
/// One of the engine's <see cref="TraversalEvent"/>s as the trace API writes it: "kind" names the event, tuples and
/// headers are printed as conntrack and the inspector print them, and the engine's reasons are worded in English.
/// The modelled cost comes last in every kind.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(HookEnteredResponse), "hookEntered")]
[JsonDerivedType(typeof(ConntrackLookupResponse), "conntrackLookup")]
[JsonDerivedType(typeof(ConntrackCreatedResponse), "conntrackCreated")]
[JsonDerivedType(typeof(RulesScannedResponse), "rulesScanned")]
[JsonDerivedType(typeof(RuleMatchedResponse), "ruleMatched")]
[JsonDerivedType(typeof(SetLookupResponse), "setLookup")]
[JsonDerivedType(typeof(ChainPolicyResponse), "chainPolicy")]
[JsonDerivedType(typeof(NatAppliedResponse), "natApplied")]
[JsonDerivedType(typeof(RoutedResponse), "routed")]
[JsonDerivedType(typeof(DeliveredResponse), "delivered")]
[JsonDerivedType(typeof(DroppedResponse), "dropped")]
[JsonDerivedType(typeof(RejectedResponse), "rejected")]
[JsonDerivedType(typeof(IpvsServiceLookupResponse), "ipvsServiceLookup")]
[JsonDerivedType(typeof(IpvsConnectionLookupResponse), "ipvsConnectionLookup")]
[JsonDerivedType(typeof(IpvsScheduledResponse), "ipvsScheduled")]
[JsonDerivedType(typeof(IpvsForwardedResponse), "ipvsForwarded")]
[JsonDerivedType(typeof(ConntrackAlteredResponse), "conntrackAltered")]
[JsonDerivedType(typeof(DirectReplyResponse), "directReply")]
public abstract record EventResponse(double CostNs)
{
    public static EventResponse Of(TraversalEvent e) => e switch
    {
        HookEntered h => new HookEnteredResponse(h.Hook, h.CostNs),
        ConntrackLookup c => new ConntrackLookupResponse(c.Bucket, c.ChainLength, c.Result, c.Tuple, c.CostNs),
        ConntrackCreated c => new ConntrackCreatedResponse(c.Original, c.Reply, c.State, c.Bucket, c.CostNs),
        RulesScanned s => new RulesScannedResponse(s.Table, s.Chain, s.FirstRule, s.LastRule, s.Count, s.CostNs),
        RuleMatched m => new RuleMatchedResponse(m.Table, m.Chain, m.Rule, m.Text, m.Verdict, m.CostNs),
        SetLookup s => new SetLookupResponse(s.Set, s.Flags, s.Member, s.CostNs),
        ChainPolicy p => new ChainPolicyResponse(p.Table, p.Chain, p.Policy, p.CostNs),
        NatApplied n => new NatAppliedResponse(n.Rewrite, n.By, n.Before, n.After, n.CostNs),
        Routed r => new RoutedResponse(r.Decision, r.OutInterface, r.CostNs),
        Delivered d => new DeliveredResponse(d.To, Explanations.English(d.Route), d.CostNs),
        Dropped d => new DroppedResponse(Explanations.English(d.Why), d.CostNs),
        Rejected r => new RejectedResponse(Explanations.English(r.Why), r.CostNs),
        IpvsServiceLookup s => new IpvsServiceLookupResponse(s.Service, s.Hit, s.Bucket, s.ChainLength, s.CostNs),
        IpvsConnectionLookup c => new IpvsConnectionLookupResponse(c.Direction, c.Bucket, c.ChainLength, c.State, c.Tuple, Explanations.English(c.Outcome), c.CostNs),
        IpvsScheduled s => new IpvsScheduledResponse(s.Scheduler, s.RealServer, Explanations.English(s.Why), s.CostNs),
        IpvsForwarded f => new IpvsForwardedResponse(f.Method, f.RealServer, f.Before, f.After, f.CostNs),
        ConntrackAltered a => new ConntrackAlteredResponse(a.Reply, a.CostNs),
        DirectReply d => new DirectReplyResponse(d.Method, d.RealServer, Explanations.English(d.Why), d.CostNs),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "a traversal event the trace API does not write"),
    };
}

public sealed record HookEnteredResponse(string Hook, double CostNs) : EventResponse(CostNs);

public sealed record ConntrackLookupResponse(int Bucket, int ChainLength, string Result, string Tuple, double CostNs) : EventResponse(CostNs);

public sealed record ConntrackCreatedResponse(string Original, string Reply, string? State, int Bucket, double CostNs) : EventResponse(CostNs);

public sealed record RulesScannedResponse(string Table, string Chain, int FirstRule, int LastRule, int Count, double CostNs) : EventResponse(CostNs);

public sealed record RuleMatchedResponse(string Table, string Chain, int Rule, string Text, string Verdict, double CostNs) : EventResponse(CostNs);

public sealed record SetLookupResponse(string Set, string Flags, string Member, double CostNs) : EventResponse(CostNs);

public sealed record ChainPolicyResponse(string Table, string Chain, string Policy, double CostNs) : EventResponse(CostNs);

public sealed record NatAppliedResponse(string Rewrite, string By, HeadersView Before, HeadersView After, double CostNs) : EventResponse(CostNs);

public sealed record RoutedResponse(string Decision, string OutInterface, double CostNs) : EventResponse(CostNs);

/// <summary>Via: the interface the packet left by, or how it got there.</summary>
public sealed record DeliveredResponse(string To, string Via, double CostNs) : EventResponse(CostNs);

public sealed record DroppedResponse(string Reason, double CostNs) : EventResponse(CostNs);

public sealed record RejectedResponse(string Reason, double CostNs) : EventResponse(CostNs);

public sealed record IpvsServiceLookupResponse(string Service, bool Hit, int Bucket, int ChainLength, double CostNs) : EventResponse(CostNs);

public sealed record IpvsConnectionLookupResponse(string Direction, int Bucket, int ChainLength, string? State, string Tuple, string Result, double CostNs)
    : EventResponse(CostNs);

public sealed record IpvsScheduledResponse(string Scheduler, string RealServer, string Reason, double CostNs) : EventResponse(CostNs);

public sealed record IpvsForwardedResponse(string Method, string RealServer, HeadersView Before, HeadersView After, double CostNs) : EventResponse(CostNs);

public sealed record ConntrackAlteredResponse(string Reply, double CostNs) : EventResponse(CostNs);

public sealed record DirectReplyResponse(string Method, string RealServer, string Reason, double CostNs) : EventResponse(CostNs);
