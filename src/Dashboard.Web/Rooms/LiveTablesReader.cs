using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Listings;

namespace Dashboard.Web.Rooms;

/// <summary>
/// A lane's connection tables as the tables tab shows them: the first lines of conntrack -L and ipvsadm -Lnc, the
/// selected packet's own entries wherever they are, and each hash table's buckets as a heat map. Expired entries are
/// removed first, as the kernel's timers would have. Called under the room's lock.
/// </summary>
internal static class LiveTablesReader
{
    public static LiveTables Read(NodeDataplane dataplane, TimeSpan now, TableFocus? focus)
    {
        var conntrack = dataplane.Conntrack;
        conntrack.Expire(now);
        var heat = new List<BucketHeat> { Heat(HeatTables.Conntrack, conntrack.BucketCount, conntrack.ChainLength) };
        ToolListing? ipvsLines = null;
        var ipvsTotal = 0;
        string? selectedIpvs = null;
        if (dataplane.Ipvs is { } ipvs)
        {
            ipvs.Connections.Advance(now);
            ipvsTotal = ipvs.Connections.Count;
            // Only the entries shown are formatted: this runs 4 times a second under the engine's lock, and a busy
            // table holds hundreds of thousands. (Two headings, then the entries: MaxLines + 1 lines in all.)
            ipvsLines = IpvsadmFormatter.ConnectionsListing(ipvs.Connections, now, LiveTables.MaxLines - 1);
            heat.Add(Heat(HeatTables.IpvsService, ServiceTable.TableSize, b => ipvs.Services.ChainLength(b)));
            heat.Add(Heat(HeatTables.IpvsConnection, ipvs.Connections.Size, ipvs.Connections.ChainLength));
            if (focus?.IpvsClient is { } client && ipvs.Connections.Find(client, now) is { } connection)
            {
                selectedIpvs = IpvsadmFormatter.ConnectionLine(connection, now);
            }
        }
        // The selected packet's entries are looked up wherever they are: the lists show only the first MaxLines.
        var selectedConntrack = focus?.Conntrack is { } tuple && conntrack.Lookup(tuple, now).Entry is { } entry
            ? entry.ToConntrackLine(now)
            : null;
        return new LiveTables(
            now.TotalSeconds,
            conntrack.Listing(now, LiveTables.MaxLines),
            conntrack.Count,
            ipvsLines,
            ipvsTotal,
            heat,
            selectedConntrack,
            selectedIpvs);
    }

    /// <summary>A hash table's buckets folded into at most 256 cells.</summary>
    private static BucketHeat Heat(string table, int buckets, Func<int, int> chainLength)
    {
        var cells = new int[Math.Min(256, buckets)];
        var longest = 0;
        var entries = 0;
        for (var b = 0; b < buckets; b++)
        {
            var length = chainLength(b);
            if (length == 0)
            {
                continue;
            }
            cells[(int)((long)b * cells.Length / buckets)] += length;
            longest = Math.Max(longest, length);
            entries += length;
        }
        return new BucketHeat(table, buckets, cells, longest, entries);
    }
}
