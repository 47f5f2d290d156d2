using Dashboard.Simulation.Engine;
using Dashboard.Web.Resources;

namespace Dashboard.Web.Api.Trace;

/// <summary>
/// The body of a 200 from POST /api/v1/trace: one result per packet, in order, plus warnings about the input, what each
/// update's sync changed, and (when asked) the tools' views of the node after the last packet. The engine's records
/// that hold only kernel and tool values (trace entries, headers, lookups, tool text) are written as they are; what
/// holds the engine's outcomes is worded here, in English.
/// </summary>
public sealed record TraceResponse(
    IReadOnlyList<string> Warnings,
    IReadOnlyList<PacketTraceResponse> Packets,
    IReadOnlyList<UpdateResponse> Updates,
    NodeViews? Views)
{
    public static TraceResponse Of(TraceResult result) => new(
        result.Warnings,
        [.. result.Packets.Select(PacketTraceResponse.Of)],
        [.. result.Updates.Select(u => new UpdateResponse(u.At, [.. u.Changes.Select(Explanations.English)], u.ConntrackDeleted))],
        result.Views);
}

/// <summary>A kube-proxy sync at a virtual time (seconds) and what it changed: IPVS real servers, deleted conntrack entries.</summary>
public sealed record UpdateResponse(double At, IReadOnlyList<string> Changes, IReadOnlyList<string> ConntrackDeleted);

/// <summary>What happened to one packet: the kernel-style TRACE, the rules it cost, conntrack's view, where it went.</summary>
public sealed record PacketTraceResponse(
    IReadOnlyList<KernelTraceEntry> Trace,
    int RulesEvaluated,
    ConntrackView Conntrack,
    HeadersView HeadersAfter,
    OutcomeResponse Outcome,
    bool SeenByNode,
    IpvsResponse? Ipvs,
    IReadOnlyList<EventResponse> Events)
{
    public static PacketTraceResponse Of(PacketTraceResult packet) => new(
        packet.Trace,
        packet.RulesEvaluated,
        packet.Conntrack,
        packet.HeadersAfter,
        new OutcomeResponse(packet.Outcome.Kind, packet.Outcome.To, packet.Outcome.Why is { } why ? Explanations.English(why) : null),
        packet.SeenByNode,
        packet.Ipvs is { } ipvs
            ? new IpvsResponse(
                ipvs.Service,
                ipvs.Scheduler is { } s ? new IpvsSchedulerResponse(s.Name, s.RealServer, s.Persistence, Explanations.English(s.Why)) : null,
                ipvs.Connection,
                ipvs.Forward,
                ipvs.TraceAfter)
            : null,
        [.. packet.Events.Select(EventResponse.Of)]);
}

/// <summary>delivered (to ip:port), dropped or rejected, with the reason.</summary>
public sealed record OutcomeResponse(string Kind, string? To, string? Reason);

/// <summary>What IPVS did with a packet (IPVS mode only); see <see cref="IpvsView"/>.</summary>
public sealed record IpvsResponse(
    IpvsServiceView? Service,
    IpvsSchedulerResponse? Scheduler,
    IpvsConnectionView? Connection,
    IpvsForwardView? Forward,
    IReadOnlyList<KernelTraceEntry> TraceAfter);

/// <summary>The scheduler's pick for a new connection, how a persistent service decided, and the scheduler's reason.</summary>
public sealed record IpvsSchedulerResponse(string Name, string RealServer, string? Persistence, string Reason);
