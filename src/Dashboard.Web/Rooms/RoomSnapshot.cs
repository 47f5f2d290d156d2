using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Listings;

namespace Dashboard.Web.Rooms;

/// <summary>Whether a room is building its nodes, running, paused, or could not start (Error says why).</summary>
public enum RoomStatus
{
    Loading,
    Paused,
    Playing,
    Failed,
}

/// <summary>
/// An immutable picture of a room, taken 4-5 times a second for the Blazor components (counters, charts). Tables and
/// packets are asked for separately, because only a visible tab needs them.
/// </summary>
public sealed record RoomSnapshot(
    long Version,
    int Generation,
    RoomStatus Status,
    string? Error,
    RoomSettings Settings,
    double VirtualTimeS,
    double EffectiveSpeed,
    long PacketsSimulated,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<PathLayout> Layouts,
    IReadOnlyList<LaneSnapshot> Lanes)
{
    public static RoomSnapshot Empty { get; } = new(0, 0, RoomStatus.Loading, null, RoomSettings.Default, 0, 0, 0, [], [], []);
}

/// <summary>One pane's exact counters and its history for the charts.</summary>
public sealed record LaneSnapshot(
    string Mode,
    string Title,
    string Colour,
    long Packets,
    long NewConnections,
    long Delivered,
    long Dropped,
    long Rejected,
    double RulesPerNewConnection,
    double LookupsPerNewConnection,
    double FirstPacketLatencyUs,
    int ConntrackEntries,
    int? IpvsConnections,
    IReadOnlyDictionary<string, long> RequestsPerBackend,
    IReadOnlyList<LaneSample> History)
{
    /// <summary>The key under which <see cref="RequestsPerBackend"/> sums the backends past the busiest (not an address).</summary>
    public const string OtherBackends = "(others)";
}

/// <summary>
/// One point of a lane's history, sampled on the room's tick: table sizes, and the new connections since the previous
/// sample with their mean rules evaluated and MODELLED first-packet latency (NaN when no connection opened).
/// </summary>
public sealed record LaneSample(double VirtualTimeS, int ConntrackEntries, int? IpvsConnections, double RulesPerNewConnection, double FirstPacketLatencyUs);

/// <summary>A packet the room simulated recently, for the inspector: the shared packet and each lane's full trace.</summary>
public sealed record PacketRecord(long Id, SimulatedPacket Packet, WirePacket Wire, IReadOnlyList<PacketTraceResult?> Lanes);

/// <summary>
/// A tool's output for one lane (iptables-save, ipvsadm -Ln, ipset list), as the engine's writer listed it: built once
/// per room generation. The listing's anchors give the line of a rule, set member or real server to scroll to and light.
/// </summary>
public sealed record ToolText(string Tool, ToolListing Listing);

/// <summary>The live tables of one lane at the room's current virtual time.</summary>
/// <param name="Conntrack">`conntrack -L` lines (timeouts counting down on the virtual clock), at most MaxLines of them.</param>
/// <param name="ConntrackTotal">Entries in the table (may exceed the lines shown).</param>
/// <param name="IpvsConnections">`ipvsadm -Lnc` (its two headings included), at most MaxLines; null outside IPVS mode.</param>
/// <param name="IpvsConnectionsTotal">Entries in the IPVS connection table.</param>
/// <param name="Heat">Bucket occupancy of the lane's hash tables.</param>
/// <param name="SelectedConntrack">The selected packet's `conntrack -L` line, wherever it is in the table; null when none was asked for or it has expired.</param>
/// <param name="SelectedIpvs">The selected packet's `ipvsadm -Lnc` line, likewise.</param>
public sealed record LiveTables(
    double VirtualTimeS,
    ToolListing Conntrack,
    int ConntrackTotal,
    ToolListing? IpvsConnections,
    int IpvsConnectionsTotal,
    IReadOnlyList<BucketHeat> Heat,
    string? SelectedConntrack = null,
    string? SelectedIpvs = null)
{
    public const int MaxLines = 2000;
}

/// <summary>
/// Where a packet's connection sits in a lane's tables: the tuple conntrack looked up and, in IPVS mode, the
/// client-side tuple of its IPVS connection, and the buckets its lookups named (conntrack, IPVS service, IPVS connection).
/// </summary>
public sealed record TableFocus(
    Simulation.Conntrack.ConnectionTuple? Conntrack,
    Simulation.Conntrack.ConnectionTuple? IpvsClient,
    IReadOnlyDictionary<string, int> Buckets)
{
    /// <summary>The packet's lookups in one lane, or null when the packet did not reach it.</summary>
    public static TableFocus? Of(PacketRecord? record, int lane)
    {
        if (record?.Packet.Lanes.ElementAtOrDefault(lane) is not { } result)
        {
            return null;
        }
        var buckets = new Dictionary<string, int>();
        Simulation.Conntrack.ConnectionTuple? conntrack = null, ipvs = null;
        foreach (var e in result.Events)
        {
            switch (e)
            {
                case ConntrackLookup c when conntrack is null:
                    conntrack = c.Key;
                    buckets[HeatTables.Conntrack] = c.Bucket;
                    break;
                case IpvsServiceLookup s:
                    buckets[HeatTables.IpvsService] = s.Bucket;
                    break;
                case IpvsConnectionLookup c when c.Direction == "in" && ipvs is null:
                    ipvs = c.Key;
                    buckets[HeatTables.IpvsConnection] = c.Bucket;
                    break;
            }
        }
        return new TableFocus(conntrack, ipvs, buckets);
    }
}

/// <summary>The names the room gives its hash tables' heat maps.</summary>
public static class HeatTables
{
    public const string Conntrack = "conntrack", IpvsService = "IPVS service table", IpvsConnection = "IPVS connection table";
}

/// <summary>
/// A hash table's occupancy: Buckets buckets folded into Cells.Length cells (each the number of entries in its
/// buckets), the longest chain, and the entries in all.
/// </summary>
public sealed record BucketHeat(string Table, int Buckets, int[] Cells, int LongestChain, int Entries);
