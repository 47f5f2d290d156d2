using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>The kernel's draw, made reproducible: a seeded generator gives the same 31-bit numbers on every machine.</summary>
public sealed class SeededStatistic(int seed) : IStatisticSource
{
    private readonly Random _random = new(seed);

    public bool Draw(Rule rule, uint probability31) => (uint)_random.Next() < probability31;
}

/// <summary>
/// Replays a choice the real kernel made: a `-m statistic` rule matches exactly when the chain it jumps to DNATs to
/// the given endpoint, so the walk takes the same KUBE-SEP chain the kernel took.
/// </summary>
public sealed class ForcedEndpointStatistic(Ipv4Address address, ushort port) : IStatisticSource
{
    public bool Draw(Rule rule, uint probability31) =>
        rule.Target is JumpTarget { Chain: { } chain } && DnatsTo(chain, address, port);

    /// <summary>True when the chain holds a DNAT to address:port (the KUBE-SEP chain of that endpoint).</summary>
    public static bool DnatsTo(Chain chain, Ipv4Address address, ushort port) =>
        chain.Rules.Any(r => r.Target is NatTarget { IsDestination: true } nat && nat.Address == address && (nat.Port ?? port) == port);
}
