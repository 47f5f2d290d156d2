namespace Dashboard.Simulation.Engine;

/// <summary>Exact counters of one lane: every packet is counted, whether or not the animation draws it.</summary>
public sealed class LaneMetrics
{
    private readonly Dictionary<string, long> _requestsPerBackend = [];

    public long Packets { get; private set; }
    public long Delivered { get; private set; }
    public long Dropped { get; private set; }
    public long Rejected { get; private set; }

    /// <summary>Connections opened: first packets walked.</summary>
    public long NewConnections { get; private set; }

    /// <summary>Rules evaluated by first packets, in total (divide by <see cref="NewConnections"/> for the mean).</summary>
    public long RulesOnNewConnections { get; private set; }

    /// <summary>Hash-table lookups (conntrack, IPVS service and connection tables) by first packets, in total.</summary>
    public long LookupsOnNewConnections { get; private set; }

    /// <summary>The cost model's latency of first packets, in total (MODELLED, nanoseconds).</summary>
    public double FirstPacketCostNs { get; private set; }

    public double RulesPerNewConnection => NewConnections == 0 ? 0 : (double)RulesOnNewConnections / NewConnections;
    public double LookupsPerNewConnection => NewConnections == 0 ? 0 : (double)LookupsOnNewConnections / NewConnections;
    public double FirstPacketLatencyNs => NewConnections == 0 ? 0 : FirstPacketCostNs / NewConnections;

    /// <summary>Client requests delivered, per backend ("ip:port").</summary>
    public IReadOnlyDictionary<string, long> RequestsPerBackend => _requestsPerBackend;

    internal void Count(PacketResult result, bool opensConnection)
    {
        Packets++;
        switch (result.Outcome)
        {
            case OutcomeKind.Delivered:
                Delivered++;
                break;
            case OutcomeKind.Dropped:
                Dropped++;
                break;
            default:
                Rejected++;
                break;
        }
        if (!opensConnection)
        {
            return;
        }
        NewConnections++;
        RulesOnNewConnections += result.RulesEvaluated;
        FirstPacketCostNs += result.CostNs;
        foreach (var e in result.Events)
        {
            if (e is ConntrackLookup or IpvsServiceLookup or IpvsConnectionLookup)
            {
                LookupsOnNewConnections++;
            }
        }
    }

    internal void CountRequest(string backend) => _requestsPerBackend[backend] = _requestsPerBackend.GetValueOrDefault(backend) + 1;
}
