using Dashboard.Web.Rooms;

namespace Dashboard.Web.Tests.Components;

/// <summary>Hand-built snapshots with known numbers for the charts and tables tests.</summary>
internal static class LaneFixtures
{
    public const string Iptables = "iptables";
    public const string Ipvs = "IPVS (rr, NAT)";

    public static LaneSnapshot Lane(
        string mode,
        string title,
        string colour,
        IReadOnlyList<LaneSample> history,
        IReadOnlyDictionary<string, long>? backends = null) =>
        new(mode, title, colour, Packets: 100, NewConnections: 10, Delivered: 100, Dropped: 0, Rejected: 0,
            RulesPerNewConnection: 800, LookupsPerNewConnection: 3, FirstPacketLatencyUs: 2.5,
            ConntrackEntries: history.Count == 0 ? 0 : history[^1].ConntrackEntries,
            IpvsConnections: history.Count == 0 ? null : history[^1].IpvsConnections,
            RequestsPerBackend: backends ?? new Dictionary<string, long>(), History: history);

    public static LaneSnapshot IptablesLane(IReadOnlyList<LaneSample> history, IReadOnlyDictionary<string, long>? backends = null) =>
        Lane("iptables", Iptables, "#E8A33D", history, backends);

    public static LaneSnapshot IpvsLane(IReadOnlyList<LaneSample> history, IReadOnlyDictionary<string, long>? backends = null) =>
        Lane("ipvs", Ipvs, "#2A9D8F", history, backends);

    public static RoomSnapshot Snapshot(long version, params LaneSnapshot[] lanes) =>
        RoomSnapshot.Empty with { Version = version, Status = RoomStatus.Playing, Lanes = lanes };
}
