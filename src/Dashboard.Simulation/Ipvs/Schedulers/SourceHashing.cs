using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Hashing;

namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// sh (ip_vs_sh.c): a table of 256 slots filled with the real servers in turn, a server of weight w taking w slots
/// in a row; a connection goes to the slot its source address hashes to, so one client always reaches the same
/// server while the list is unchanged. A quiescent or overloaded server's clients are dropped, unless the
/// sh-fallback flag makes the scheduler walk on to another slot.
/// </summary>
public sealed class SourceHashing(HashingFlags flags = HashingFlags.None) : IIpvsScheduler
{
    /// <summary>IP_VS_SH_TAB_BITS is 8 unless the kernel is built otherwise.</summary>
    public const int TableSize = 1 << 8;

    // The kernel reassigns the table on upd_dest too, because weights decide how many slots a server gets.
    private readonly DestinationList _list = new(trackWeights: true);
    private readonly RealServer?[] _table = new RealServer?[TableSize];

    public string Name => "sh";

    public HashingFlags Flags { get; } = flags;

    /// <summary>The 256 slots, each naming the real server it sends to (null only when there are no servers).</summary>
    public IReadOnlyList<RealServer?> Table => _table;

    /// <summary>
    /// ip_vs_sh_hashkey (net/netfilter/ipvs/ip_vs_sh.c): (offset + hash_32(port + address, 8)) mod 256, the port 0
    /// unless sh-port is set. hash_32 (include/linux/hash.h) multiplies by GOLDEN_RATIO_32 = 0x61C88647 and keeps the
    /// TOP 8 bits of the 32-bit product ("high bits are more random"), so every octet of the address moves the slot.
    /// </summary>
    public static int Slot(uint address, ushort port, uint offset = 0) =>
        (int)((offset + KernelHash.Hash32(port + address, 8)) & (TableSize - 1));

    public SchedulerDecision? Schedule(IReadOnlyList<RealServer> servers, ConnectionTuple connection)
    {
        if (!_list.Matches(servers))
        {
            UpdateServers(servers);
        }

        var port = Flags.HasFlag(HashingFlags.Port) ? connection.SourcePort : (ushort)0;
        var source = port == 0 ? connection.Source.ToString() : $"{connection.Source}:{port}";
        var slot = Slot(connection.Source.Value, port);
        return HashedSlots.Pick(_table, slot, new Explanation(ExplanationCode.Sh, source, slot), offset => Slot(connection.Source.Value, port, offset), Flags, new Explanation(ExplanationCode.ShFallback));
    }

    public void UpdateServers(IReadOnlyList<RealServer> servers)
    {
        // ip_vs_sh_reassign: deal the slots out in list order, a server keeping the turn until it holds 'weight'
        // consecutive slots, then round again until all 256 are dealt. A weight-0 server still takes one slot per
        // round (the count 1 already reaches 0), which is why quiescing a server drops its clients instead of moving
        // them. If the weights add up to more than 256, servers late in the list get no slot at all.
        var index = 0;
        var dealt = 0;
        for (var slot = 0; slot < TableSize; slot++)
        {
            if (servers.Count == 0)
            {
                _table[slot] = null;
                continue;
            }
            var server = servers[index];
            _table[slot] = server;
            if (++dealt >= server.Weight)
            {
                index = (index + 1) % servers.Count;
                dealt = 0;
            }
        }
        _list.Record(servers);
    }

    internal static bool IsAvailable(RealServer server) => server.Weight > 0 && !server.Overloaded;

    internal static Explanation Unavailable(RealServer server) =>
        new(server.Overloaded ? ExplanationCode.ServerIsOverloaded : ExplanationCode.ServerIsQuiescent, server);
}
