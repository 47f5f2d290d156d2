using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Hashing;

namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// dh (ip_vs_dh.c): like sh, but it hashes the packet's destination address and deals the 256 slots one per server,
/// ignoring weights. Meant for cache clusters in front of many destinations (fwmark services); behind one kube-proxy
/// ClusterIP every packet has the same destination, so all connections reach the same server.
/// </summary>
public sealed class DestinationHashing : IIpvsScheduler
{
    /// <summary>IP_VS_DH_TAB_BITS is 8 unless the kernel is built otherwise.</summary>
    public const int TableSize = 1 << 8;

    // dh has add_dest and del_dest hooks but no upd_dest: its table never depends on weights.
    private readonly DestinationList _list = new(trackWeights: false);
    private readonly RealServer?[] _table = new RealServer?[TableSize];

    public string Name => "dh";

    /// <summary>The 256 slots, dealt to the servers in list order, one each per round.</summary>
    public IReadOnlyList<RealServer?> Table => _table;

    /// <summary>ip_vs_dh_hashkey (net/netfilter/ipvs/ip_vs_dh.c): hash_32(address, 8), the top 8 bits of address x 0x61C88647.</summary>
    public static int Slot(uint address) => (int)KernelHash.Hash32(address, 8);

    public SchedulerDecision? Schedule(IReadOnlyList<RealServer> servers, ConnectionTuple connection)
    {
        if (!_list.Matches(servers))
        {
            UpdateServers(servers);
        }

        var slot = Slot(connection.Destination.Value);
        var server = _table[slot];
        // No fallback in dh: an unavailable server means no server.
        return server is null || !SourceHashing.IsAvailable(server)
            ? null
            : new SchedulerDecision(server, new Explanation(ExplanationCode.Dh, connection.Destination, slot, server));
    }

    public void UpdateServers(IReadOnlyList<RealServer> servers)
    {
        for (var slot = 0; slot < TableSize; slot++)
        {
            _table[slot] = servers.Count == 0 ? null : servers[slot % servers.Count];
        }
        _list.Record(servers);
    }
}
