using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Scenarios;
using Dashboard.Simulation.Traffic;
using Dashboard.Web.Rooms;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// Real packets for component tests: the small scenario's traffic walked by the engine in both modes, as a room would
/// record them, so the inspector and rules view are tested on what the engine really produces.
/// </summary>
public static class PacketRecords
{
    public static (ComparisonRun Run, LanePath[] Paths) Run(string forwarding = "nat")
    {
        if (!IpvsDirector.TryParseMethod(forwarding, out var method))
        {
            throw new ArgumentException($"no forwarding method {forwarding}", nameof(forwarding));
        }
        var run = new ComparisonRun(ScenarioCatalog.Load("small"), NodeSettings.Default,
            [new LaneOptions("iptables"), new LaneOptions("ipvs", "rr", method)],
            TrafficProfile.Default with { UdpShare = 0, ExternalWeight = 0, PodOnOtherNodeWeight = 0 }, seed: 3);
        return (run, [.. run.Lanes.Select(LanePath.For)]);
    }

    /// <summary>The next packet of the run as the room records it.</summary>
    public static PacketRecord Next(ComparisonRun run, LanePath[] paths)
    {
        var packet = run.Step() ?? throw new InvalidOperationException("the small scenario always has traffic");
        var lanes = packet.Lanes.Select((r, i) => r is null ? null : paths[i].ToWire(r, packet.FromServer)).ToArray();
        var wire = new WirePacket(packet.Id, packet.Conversation.Id, packet.At.TotalSeconds, 0, packet.FromServer, "tcp", packet.Flags.ToString(), "pod", lanes);
        return new PacketRecord(packet.Id, packet, wire, [.. packet.Lanes.Select(r => r is null ? null : TraceRunner.ToView(r))]);
    }

    /// <summary>
    /// A snapshot of the panes the small scenario lays out in both modes, with known counters: iptables walks 812 rules
    /// per new connection, IPVS 14; 1,204 packets, 3 dropped and 1 rejected in each.
    /// </summary>
    public static RoomSnapshot PanesSnapshot(RoomStatus status = RoomStatus.Paused, long version = 1, int generation = 1)
    {
        var (_, paths) = Run();
        var lanes = paths.Select((p, i) => new LaneSnapshot(p.Layout.Mode, p.Layout.Title, p.Layout.Colour,
            Packets: 1_204, NewConnections: 100, Delivered: 1_200, Dropped: 3, Rejected: 1,
            RulesPerNewConnection: i == 0 ? 812 : 14, LookupsPerNewConnection: i == 0 ? 1 : 3, FirstPacketLatencyUs: i == 0 ? 14.5 : 2.25,
            ConntrackEntries: 1_204, IpvsConnections: i == 0 ? null : 1_180, RequestsPerBackend: new Dictionary<string, long>(), History: [])).ToList();
        return new RoomSnapshot(version, generation, status, null, RoomSettings.Default, 12.5, 1, 4_000, [],
            [.. paths.Select(p => p.Layout)], lanes);
    }

    /// <summary>The first packet of a TCP connection (a SYN to a ClusterIP from a pod on this node), in both modes.</summary>
    public static PacketRecord FirstSyn()
    {
        var (run, paths) = Run();
        return Next(run, paths);
    }
}
