using System.Numerics;
using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// mh (ip_vs_mh.c), Maglev hashing (Google, NSDI 2016): every real server walks its own permutation of a 4093-slot
/// lookup table and the servers take turns claiming their next free slot, so each holds a share proportional to its
/// weight. The source address picks the slot. When a server leaves, mostly only its own slots change hands, so most
/// clients keep their server (minimal disruption), which plain sh cannot promise.
/// </summary>
public sealed class Maglev(HashingFlags flags = HashingFlags.None) : IIpvsScheduler
{
    /// <summary>The kernel's default table: primes[CONFIG_IP_VS_MH_TAB_INDEX 12 - 8] = 4093, a prime so every skip visits every slot.</summary>
    public const int TableSize = 4093;

    /// <summary>
    /// generate_hash_secret() in ip_vs_mh.c fixes both hsiphash keys (they are not random per boot): both halves of
    /// the first are 2654435761 (Knuth's constant), of the second 2654446892. So the table is the same on every
    /// 64-bit machine and here.
    /// </summary>
    public const ulong OffsetKey = 2654435761UL;

    /// <summary>The second fixed key, used only for each server's skip.</summary>
    public const ulong SkipKey = 2654446892UL;

    // IP_VS_MH_TAB_BITS = CONFIG_IP_VS_MH_TAB_INDEX / 2: weights/gcd are cut down to about this many bits.
    private const int WeightBits = 6;

    // Weight changes reach upd_dest, which rebuilds the table.
    private readonly DestinationList _list = new(trackWeights: true);
    private readonly RealServer?[] _table = new RealServer?[TableSize];
    private Dictionary<RealServer, int> _lastWeights = [];

    public string Name => "mh";

    public HashingFlags Flags { get; } = flags;

    /// <summary>The lookup table: which real server each of the 4093 slots sends to (all null with no weighted server).</summary>
    public IReadOnlyList<RealServer?> Table => _table;

    /// <summary>The slot a source address (and port, with mh-port) hashes to: hsiphash(offset + port + address) mod 4093.</summary>
    public static int Slot(uint address, ushort port = 0, uint offset = 0) =>
        (int)(Hash(address, port, OffsetKey, offset) % TableSize);

    /// <summary>Where a real server's permutation starts and how far it steps: the kernel's ds->offset and ds->skip.</summary>
    public static (int Offset, int Skip) Permutation(RealServer server) =>
        ((int)(Hash(server.Address.Value, server.Port, OffsetKey, 0) % TableSize),
         (int)(Hash(server.Address.Value, server.Port, SkipKey, 0) % (TableSize - 1)) + 1);

    public SchedulerDecision? Schedule(IReadOnlyList<RealServer> servers, ConnectionTuple connection)
    {
        if (!_list.Matches(servers))
        {
            UpdateServers(servers);
        }

        var port = Flags.HasFlag(HashingFlags.Port) ? connection.SourcePort : (ushort)0;
        var source = port == 0 ? connection.Source.ToString() : $"{connection.Source}:{port}";
        var slot = Slot(connection.Source.Value, port);
        return HashedSlots.Pick(_table, slot, new Explanation(ExplanationCode.Mh, source, slot, TableSize), offset => Slot(connection.Source.Value, port, offset), Flags, new Explanation(ExplanationCode.MhFallback));
    }

    public void UpdateServers(IReadOnlyList<RealServer> servers)
    {
        if (servers.Count > TableSize)
        {
            // ip_vs_mh_reassign refuses (-EINVAL): a table cannot give every server a slot.
            throw new InvalidOperationException($"mh: a service can have at most {TableSize} real servers, not {servers.Count}");
        }

        // The kernel builds the table from last_weight, the latest non-zero weight (ip_vs_ctl.c sets it on add and on
        // every non-zero update). Setting a weight to 0 therefore keeps the server's slots: its clients are refused
        // (or fall back) but nobody else's slot moves, and restoring the weight restores the very same table.
        var lastWeights = new Dictionary<RealServer, int>(servers.Count);
        foreach (var server in servers)
        {
            lastWeights[server] = _lastWeights.TryGetValue(server, out var previous) && server.Weight == 0
                ? previous
                : server.Weight;
        }
        _lastWeights = lastWeights;
        _list.Record(servers);

        var gcd = 0;
        var largest = 0;
        foreach (var server in servers)
        {
            var weight = lastWeights[server];
            if (weight > 0)
            {
                gcd = gcd > 0 ? Gcd(weight, gcd) : weight;
                largest = Math.Max(largest, weight);
            }
        }
        if (gcd < 1)
        {
            Array.Clear(_table);
            return;
        }

        // Weights are divided by their gcd and, if still wider than 6 bits, shifted right, to keep rounds short.
        var shift = Math.Max(0, (32 - BitOperations.LeadingZeroCount((uint)(largest / gcd))) - WeightBits);
        var count = servers.Count;
        var next = new int[count];
        var skip = new int[count];
        var turns = new int[count];
        for (var i = 0; i < count; i++)
        {
            (next[i], skip[i]) = Permutation(servers[i]);
            var weight = lastWeights[servers[i]];
            var scaled = (weight / gcd) >> shift;
            // A small weight that the shift rounds to 0 still gets one turn; only weight 0 gets none.
            turns[i] = scaled != 0 ? scaled : (weight != 0 ? 1 : 0);
        }

        // ip_vs_mh_populate: servers take turns in list order, each claiming 'turns' slots per round: for each claim
        // it walks its permutation (offset, offset + skip, ... mod 4093) to the first slot nobody holds yet.
        var taken = new bool[TableSize];
        var filled = 0;
        while (true)
        {
            var index = 0;
            var claims = 0;
            while (index < count)
            {
                if (turns[index] < 1)
                {
                    index++;
                    continue;
                }
                var slot = next[index];
                while (taken[slot])
                {
                    slot += skip[index];
                    if (slot >= TableSize)
                    {
                        slot -= TableSize;
                    }
                }
                next[index] = slot;
                taken[slot] = true;
                _table[slot] = servers[index];
                if (++filled == TableSize)
                {
                    return;
                }
                if (++claims >= turns[index])
                {
                    claims = 0;
                    index++;
                }
            }
        }
    }

    /// <summary>ip_vs_mh_hashkey: the kernel hsiphash of the 32-bit sum offset + port + address (host order).</summary>
    private static uint Hash(uint address, ushort port, ulong key, uint offset) =>
        SipHash.KernelHsipHash(unchecked(offset + port + address), key, key);

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }
        return a;
    }
}
